"""Invitations to households (addition, issue 9, item 4: only the invited user's acceptance makes
a membership): the invited user lists, accepts or declines them (``/api/v1/invitations/``); an
owner lists the household's open ones and revokes one
(``/api/v1/households/{household_id}/invitations/``). They expire (``INVITATION_TTL_DAYS``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response, status

from backlot.auth import Principal
from backlot.http import CurrentPrincipal
from backlot.pagination import DEFAULT_LIMIT, Cursor, Limit

from family import service
from family.http_api import problems
from family.schemas import Invitation, InvitationPage

router = APIRouter(prefix="/api/v1")

BAD_CURSOR = "`invalid_cursor`: the cursor was not made by this API"
NOT_SENT_TO_YOU = "`invitation_not_found`: no invitation of this id was sent to the caller (or its household was deleted)"
CANNOT_ANSWER = (
    "`invitation_answered`: it was answered the other way already; `invitation_expired`: it was not "
    "answered before its `expires_at`; `invitation_revoked`: an owner withdrew it"
)
NOT_AN_OWNER = "`owner_required`: the caller is a member of the household but not an owner"
NOT_A_MEMBER = "`household_not_found`: no such household among the caller's"


@router.get("/invitations/", response_model=InvitationPage, responses=problems({400: BAD_CURSOR}))
def list_invitations(cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The caller's open invitations (pending, not expired), oldest first, keyset-paged (``next_cursor``)."""
    return service.list_invitations(who, cursor, limit)


@router.post(
    "/invitations/{invitation_id}/accept/", response_model=Invitation,
    responses=problems({404: NOT_SENT_TO_YOU, 409: CANNOT_ANSWER}),
)
def accept_invitation(invitation_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Accept an invitation sent to the caller: the caller becomes a ``member``. Again: 200, no change."""
    return service.respond_invitation(who, invitation_id, accept=True)


@router.post(
    "/invitations/{invitation_id}/decline/", response_model=Invitation,
    responses=problems({404: NOT_SENT_TO_YOU, 409: CANNOT_ANSWER}),
)
def decline_invitation(invitation_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Decline an invitation sent to the caller. Again: 200, no change."""
    return service.respond_invitation(who, invitation_id, accept=False)


@router.get(
    "/households/{household_id}/invitations/", response_model=InvitationPage,
    responses=problems({400: BAD_CURSOR, 403: NOT_AN_OWNER, 404: NOT_A_MEMBER}),
)
def list_household_invitations(household_id: UUID, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT,
                               who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The household's open invitations (pending, not expired; each with its ``expires_at``),
    oldest first, keyset-paged. Owners only."""
    return service.list_household_invitations(who, household_id, cursor, limit)


@router.delete(
    "/households/{household_id}/invitations/{invitation_id}/", status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problems({
        403: NOT_AN_OWNER,
        404: f"{NOT_A_MEMBER}; `invitation_not_found`: no invitation of this id in this household",
        409: "`invitation_answered`: the user accepted or declined it already",
    }),
)
def revoke_invitation(household_id: UUID, invitation_id: UUID, who: Principal = CurrentPrincipal) -> Response:
    """Withdraw an invitation that was not answered (owners only): it can no longer be accepted.
    Revoking it again: 204, no change."""
    service.revoke_invitation(who, household_id, invitation_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
