"""``/api/v1/households/``: households and their members."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response, status

from backlot.auth import Principal
from backlot.http import CurrentPrincipal

from family import service
from family.http_api import API
from family.schemas import HouseholdCreate, HouseholdList, HouseholdPublic, MemberAdd, MemberPublic

router = APIRouter(prefix="/api/v1")


@router.post("/households/", status_code=status.HTTP_201_CREATED, response_model=HouseholdPublic)
def create_household(body: HouseholdCreate, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    return service.create_household(who, body)


@router.get("/households/", response_model=HouseholdList)
def list_households(who: Principal = CurrentPrincipal) -> dict[str, Any]:
    return service.list_households(who)


@router.post("/households/{household_id}/members/", status_code=status.HTTP_201_CREATED, response_model=MemberPublic,
             responses={200: {"model": MemberPublic, "description": "already a member: nothing changed"}} | API.errors(404))
def add_household_member(household_id: UUID, body: MemberAdd, response: Response, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    member, created = service.add_member(who, household_id, body.user_id)
    if not created:
        response.status_code = status.HTTP_200_OK
    return member


@router.delete("/households/{household_id}/members/{user_id}/", status_code=status.HTTP_204_NO_CONTENT,
               responses=API.errors(403, 404, 409))
def remove_household_member(household_id: UUID, user_id: UUID, who: Principal = CurrentPrincipal) -> Response:
    service.remove_member(who, household_id, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
