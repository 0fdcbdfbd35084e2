"""``/api/roles/``: admins grant and take back the admin and manager roles."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response, status

from backlot.auth import Principal
from backlot.pagination import DEFAULT_LIMIT, Cursor, Limit

from music import service
from music.deps import Person
from music.http_api import API
from music.schemas import RoleGrant, RolePage, RoleSet

router = APIRouter(prefix="/api")


@router.get("/roles/", response_model=RolePage, responses=API.errors(400, 403))
def list_roles(cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT, who: Principal = Person) -> dict[str, Any]:
    """Admins: the roles, oldest grant first, keyset-paged (``next_cursor``)."""
    return service.list_roles(who, cursor, limit)


@router.put("/roles/{user_id}/", response_model=RoleGrant, responses=API.errors(403))
def set_role(user_id: UUID, body: RoleSet, who: Principal = Person) -> dict[str, Any]:
    """Admins: give a user the admin or manager role (body ``{"role"}``)."""
    return service.set_role(who, user_id, body.role.value)


@router.delete("/roles/{user_id}/", status_code=status.HTTP_204_NO_CONTENT, responses=API.errors(403, 404))
def delete_role(user_id: UUID, who: Principal = Person) -> Response:
    """Admins: take a user's role away."""
    service.delete_role(who, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
