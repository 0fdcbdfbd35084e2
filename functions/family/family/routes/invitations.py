"""``/api/v1/invitations/``: the invitations sent to the caller, accepted or declined by them
(addition, issue 9, item 4: only the invited user's acceptance makes a membership)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from backlot.auth import Principal
from backlot.http import CurrentPrincipal
from backlot.pagination import DEFAULT_LIMIT, Cursor, Limit

from family import service
from family.http_api import API
from family.schemas import Invitation, InvitationPage

router = APIRouter(prefix="/api/v1")


@router.get("/invitations/", response_model=InvitationPage, responses=API.errors(400))
def list_invitations(cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The caller's pending invitations, oldest first, keyset-paged (``next_cursor``)."""
    return service.list_invitations(who, cursor, limit)


@router.post(
    "/invitations/{invitation_id}/accept/", response_model=Invitation,
    responses=API.errors(404, 409),
)
def accept_invitation(invitation_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Accept an invitation sent to the caller: the caller becomes a ``member``. Again: 200, no change."""
    return service.respond_invitation(who, invitation_id, accept=True)


@router.post(
    "/invitations/{invitation_id}/decline/", response_model=Invitation,
    responses=API.errors(404, 409),
)
def decline_invitation(invitation_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Decline an invitation sent to the caller. Again: 200, no change."""
    return service.respond_invitation(who, invitation_id, accept=False)
