"""``/api/apps/``: the app registry, device apps (``/api/apps/device-apps/``: per-device
customisation and favourites) and app relationships (``/api/apps/relationships/``) (document 001,
Applications App; issue 10 item 3). Literal paths are declared before ``/{app_id}/``."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from backlot.auth import Principal
from backlot.errors import BadRequest
from backlot.http import CurrentPrincipal
from backlot.models import NO_NUL_PATTERN
from backlot.pagination import DEFAULT_LIMIT, Cursor, Limit, links

from wellness.http_api import API
from wellness.schemas.apps import (
    AppCreate,
    AppPage,
    AppPublic,
    AppRelationshipCreate,
    AppRelationshipPage,
    AppRelationshipPublic,
    DeviceAppCreate,
    DeviceAppPage,
    DeviceAppPublic,
    DeviceAppUpdate,
)
from wellness.schemas.common import AppPersonality
from wellness.services import apps as service

router = APIRouter(prefix="/api/apps")

_FOUND = "already there (a retried request): returned as it is"


# ---------------------------------------------------------------- device apps
@router.get("/device-apps/", response_model=DeviceAppPage, responses=API.errors(400))
def list_device_apps(request: Request, device_id: UUID | None = None, is_favorite: bool | None = Query(default=None),
                     cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The caller's apps on its devices, oldest first (``device_id``: one device;
    ``is_favorite=true``: the favourites)."""
    items, nxt, prev = service.list_device_apps(who, cursor, limit, device_id=device_id, is_favorite=is_favorite)
    return {**links(request, nxt, prev), "results": items}


@router.post("/device-apps/", status_code=status.HTTP_201_CREATED, response_model=DeviceAppPublic,
             responses={200: {"model": DeviceAppPublic, "description": _FOUND}} | API.errors(400))
def create_device_app(body: DeviceAppCreate, response: Response, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Put an app (``app_id``, or ``package_name`` registered when new) on one of the caller's
    devices with its customisation. 201, or 200 when the device has the app already."""
    row, created = service.create_device_app(who, body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return row


@router.get("/device-apps/{device_app_id}/", response_model=DeviceAppPublic, responses=API.errors(404))
def get_device_app(device_app_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    return service.get_device_app(who, device_app_id)


@router.patch("/device-apps/{device_app_id}/", response_model=DeviceAppPublic, responses=API.errors(404))
def update_device_app(device_app_id: UUID, body: DeviceAppUpdate, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Change the customisation fields sent (``nickname``, ``personality_override``, ``is_favorite``,
    ``is_hidden``, ``daily_limit_minutes``; null clears the nullable ones)."""
    changes = body.model_dump(mode="json", exclude_unset=True)
    for required in ("is_favorite", "is_hidden"):
        if required in changes and changes[required] is None:
            raise BadRequest(f"{required} may not be null", fields=[{"field": required, "message": "may not be null"}])
    return service.update_device_app(who, device_app_id, changes)


@router.delete("/device-apps/{device_app_id}/", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               responses=API.errors(404))
def delete_device_app(device_app_id: UUID, who: Principal = CurrentPrincipal) -> Response:
    service.delete_device_app(who, device_app_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/device-apps/{device_app_id}/favorite/", response_model=DeviceAppPublic, responses=API.errors(404))
def favorite_device_app(device_app_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Mark the app a favourite (idempotent: a PUT, not a toggle, so a retry changes nothing)."""
    return service.update_device_app(who, device_app_id, {"is_favorite": True})


@router.delete("/device-apps/{device_app_id}/favorite/", response_model=DeviceAppPublic, responses=API.errors(404))
def unfavorite_device_app(device_app_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Unmark the favourite (idempotent)."""
    return service.update_device_app(who, device_app_id, {"is_favorite": False})


# ---------------------------------------------------------------- app relationships
@router.get("/relationships/", response_model=AppRelationshipPage, responses=API.errors(400))
def list_app_relationships(request: Request, app_id: UUID | None = None, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT,
                           who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The caller's app relationships, oldest first (``app_id``: those of one app)."""
    items, nxt, prev = service.list_relationships(who, cursor, limit, app_id)
    return {**links(request, nxt, prev), "results": items}


@router.post("/relationships/", status_code=status.HTTP_201_CREATED, response_model=AppRelationshipPublic,
             responses={200: {"model": AppRelationshipPublic, "description": _FOUND}} | API.errors(400, 409))
def create_app_relationship(body: AppRelationshipCreate, response: Response, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Relate two registry apps (friends, rivals, frenemies, siblings, besties) as the caller sees them."""
    row, created = service.create_relationship(who, body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return row


@router.delete("/relationships/{relationship_id}/", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               responses=API.errors(404))
def delete_app_relationship(relationship_id: UUID, who: Principal = CurrentPrincipal) -> Response:
    service.delete_relationship(who, relationship_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------- registry
@router.get("/", response_model=AppPage, responses=API.errors(400))
def list_apps(request: Request, category: str | None = Query(default=None, min_length=1, max_length=50, pattern=NO_NUL_PATTERN),
              personality_type: AppPersonality | None = None,
              search: str | None = Query(default=None, min_length=1, max_length=100, pattern=NO_NUL_PATTERN),
              cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The app registry, oldest entries first, filtered by ``category`` (any case),
    ``personality_type`` and ``search`` (in the name or package name)."""
    items, nxt, prev = service.list_apps(cursor, limit, category=category, search=search,
                                         personality_type=personality_type and personality_type.value)
    return {**links(request, nxt, prev), "results": items}


@router.post("/", status_code=status.HTTP_201_CREATED, response_model=AppPublic,
             responses={200: {"model": AppPublic, "description": "the package is registered already: its entry, unchanged"}})
def create_app(body: AppCreate, response: Response, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Register an app by ``package_name``: 201, or 200 with the existing entry (one per package)."""
    row, created = service.create_app(body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return row


@router.get("/{app_id}/", response_model=AppPublic, responses=API.errors(404))
def get_app(app_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    return service.get_app(app_id)
