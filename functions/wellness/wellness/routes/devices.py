"""``/api/devices/``: the caller's devices (document 001, Devices App; issue 10 item 3): CRUD with
filters, ``set_primary``, ``sync``, and relationships between two of the caller's devices
(``/api/devices/relationships/``, declared before ``/{device_id}/`` so the literal path wins)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from backlot.auth import Principal
from backlot.errors import BadRequest
from backlot.http import CurrentPrincipal
from backlot.pagination import DEFAULT_LIMIT, Cursor, Limit, links

from wellness.http_api import API
from wellness.schemas.common import DevicePersonality, Platform
from wellness.schemas.devices import (
    DeviceCreate,
    DevicePage,
    DevicePublic,
    DeviceRelationshipCreate,
    DeviceRelationshipPage,
    DeviceRelationshipPublic,
    DeviceReplace,
    DeviceUpdate,
)
from wellness.services import devices as service

router = APIRouter(prefix="/api/devices")

_CREATED_OR_FOUND = {200: {"description": "the same device or relationship, already there (a retried request)"}}


# ---------------------------------------------------------------- relationships
@router.get("/relationships/", response_model=DeviceRelationshipPage, responses=API.errors(400))
def list_device_relationships(request: Request, device_id: UUID | None = None, cursor: Cursor = None,
                              limit: Limit = DEFAULT_LIMIT, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """The caller's device relationships, oldest first (``device_id``: those of one device)."""
    items, nxt, prev = service.list_relationships(who, cursor, limit, device_id)
    return {**links(request, nxt, prev), "results": items}


@router.post("/relationships/", status_code=status.HTTP_201_CREATED, response_model=DeviceRelationshipPublic,
             responses={200: {"model": DeviceRelationshipPublic, **_CREATED_OR_FOUND[200]}} | API.errors(400, 409))
def create_device_relationship(body: DeviceRelationshipCreate, response: Response, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Relate two of the caller's devices (siblings, rivals, besties). 201, or 200 with the same
    relationship already there; 400 naming ``device_a``/``device_b`` for a device not the caller's;
    409 ``duplicate_relationship`` when the pair has another type."""
    row, created = service.create_relationship(who, body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return row


@router.delete("/relationships/{relationship_id}/", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               responses=API.errors(404))
def delete_device_relationship(relationship_id: UUID, who: Principal = CurrentPrincipal) -> Response:
    service.delete_relationship(who, relationship_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------- devices
@router.get("/", response_model=DevicePage, responses=API.errors(400))
def list_devices(
    request: Request,
    platform: Platform | None = None,
    personality_type: DevicePersonality | None = None,
    is_active: bool | None = Query(default=None, description="true or false"),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
    who: Principal = CurrentPrincipal,
) -> dict[str, Any]:
    """The caller's devices, oldest first, filtered by ``platform``, ``personality_type`` and
    ``is_active`` (document 001: "Filtering by platform, personality type, active status")."""
    items, nxt, prev = service.list_devices(
        who, cursor, limit, platform=platform and platform.value,
        personality_type=personality_type and personality_type.value, is_active=is_active)
    return {**links(request, nxt, prev), "results": items}


@router.post("/", status_code=status.HTTP_201_CREATED, response_model=DevicePublic,
             responses={200: {"model": DevicePublic, **_CREATED_OR_FOUND[200]}} | API.errors(400, 409))
def create_device(body: DeviceCreate, response: Response, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Register a device. 201; 200 with the stored device when ``client_device_id`` is one of the
    caller's devices with the same fields (a retry); 409 ``duplicate_device`` when it differs."""
    row, created = service.create_device(who, body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return row


@router.get("/{device_id}/", response_model=DevicePublic, responses=API.errors(404))
def get_device(device_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    return service.get_device(who, device_id)


@router.put("/{device_id}/", response_model=DevicePublic, responses=API.errors(404, 409))
def replace_device(device_id: UUID, body: DeviceReplace, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Replace every writable field (omitted optional fields become null / their default)."""
    return service.update_device(who, device_id, body.model_dump(mode="json"))


@router.patch("/{device_id}/", response_model=DevicePublic, responses=API.errors(404, 409))
def update_device(device_id: UUID, body: DeviceUpdate, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Change the fields sent (a field sent as null clears it where it may be null)."""
    changes = body.model_dump(mode="json", exclude_unset=True)
    for required in ("name", "platform", "personality_type", "is_active"):
        if required in changes and changes[required] is None:
            raise BadRequest(f"{required} may not be null", fields=[{"field": required, "message": "may not be null"}])
    return service.update_device(who, device_id, changes)


@router.delete("/{device_id}/", status_code=status.HTTP_204_NO_CONTENT, response_class=Response, responses=API.errors(404))
def delete_device(device_id: UUID, who: Principal = CurrentPrincipal) -> Response:
    """Delete the device with its apps, relationships and usage; the oldest other device becomes
    primary when this one was."""
    service.delete_device(who, device_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{device_id}/set_primary/", response_model=DevicePublic, responses=API.errors(404))
def set_primary_device(device_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Make this the caller's one primary device."""
    return service.set_primary(who, device_id)


@router.post("/{device_id}/sync/", response_model=DevicePublic, responses=API.errors(404))
def sync_device(device_id: UUID, who: Principal = CurrentPrincipal) -> dict[str, Any]:
    """Record that the device synced now (``last_synced_at``)."""
    return service.sync_device(who, device_id)
