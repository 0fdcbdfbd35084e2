"""``/api/v1/households/``: households and their members (addition: the document assumes
households exist). Membership is by invitation (issue 9, item 4): an owner invites
(``POST .../members/``), the user accepts (``family.routes.invitations``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response, status

from backlot.auth import Principal
from backlot.http import CurrentPrincipal
from backlot.pagination import DEFAULT_LIMIT, Cursor, Limit

from family import service
from family.http_api import problems
from family.schemas import (
    HouseholdCreate,
    HouseholdList,
    HouseholdPublic,
    Invitation,
    MemberAdd,
    Membership,
    MemberRoleUpdate,
)

router = APIRouter(prefix="/api/v1")

NOT_A_MEMBER = "`household_not_found`: no such household among the caller's"
NOT_AN_OWNER = "`owner_required`: the caller is a member of the household but not an owner"


@router.post("/households/", status_code=status.HTTP_201_CREATED, response_model=HouseholdPublic)
def create_household(body: HouseholdCreate, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    return service.create_household(who, body)


@router.get("/households/", response_model=HouseholdList,
            responses=problems({400: "`invalid_cursor`: the cursor was not made by this API"}))
def list_households(cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The caller's households, keyset-paged on ``(created_at, id)``; ``next_cursor`` is None on the
    last page. 400 ``invalid_cursor`` for a cursor this API did not make."""
    return service.list_households(who, cursor, limit)


@router.post(
    "/households/{household_id}/members/", status_code=status.HTTP_201_CREATED, response_model=Invitation,
    responses={200: {"model": Invitation, "description": "the user's pending invitation, already made"}}
    | problems({403: NOT_AN_OWNER, 404: NOT_A_MEMBER, 409: "`already_member`: the user is a member already"}),
)
def add_household_member(household_id: UUID, body: MemberAdd, response: Response, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Invite ``user_id`` to the household (owners only). The user becomes a member only by
    accepting (``POST /api/v1/invitations/{id}/accept/``). 201 with the invitation, or 200 with
    the pending one when it exists already."""
    invitation, created = service.invite_member(who, household_id, body.user_id)
    if not created:
        response.status_code = status.HTTP_200_OK
    return invitation


@router.patch(
    "/households/{household_id}/members/{user_id}/", response_model=Membership,
    responses=problems({
        403: NOT_AN_OWNER,
        404: f"{NOT_A_MEMBER}; `member_not_found`: the user is not a member of it",
        409: "`last_owner`: demoting the only owner (promote another member first)",
    }),
)
def update_household_member(household_id: UUID, user_id: UUID, body: MemberRoleUpdate, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """An owner promotes a member to ``owner`` (or demotes an owner while another remains)."""
    return service.set_member_role(who, household_id, user_id, body.role.value)


@router.delete("/households/{household_id}/members/{user_id}/", status_code=status.HTTP_204_NO_CONTENT,
               responses=problems({
                   403: f"{NOT_AN_OWNER}, removing someone else (any member may remove themself: leave)",
                   404: f"{NOT_A_MEMBER}; `member_not_found`: the user is not a member of it",
                   409: "`last_owner`: the only owner leaving (promote another member, or delete the household)",
               }))
def remove_household_member(household_id: UUID, user_id: UUID, who: Principal = CurrentPrincipal) -> Response:
    service.remove_member(who, household_id, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "/households/{household_id}/", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
    responses=problems({403: NOT_AN_OWNER, 404: f"{NOT_A_MEMBER} (or it is deleted already: a retry)"}),
)
def delete_household(household_id: UUID, who: Principal = CurrentPrincipal) -> Response:
    """An owner deletes the household with everything in it: its rows, then every file of its media."""
    service.delete_household(who, household_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
