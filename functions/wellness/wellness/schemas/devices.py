"""Devices (document 001, Devices App): the 12 personalities, platforms, the stable client id,
primary and sync state, and relationships between two devices of the same user."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import StringConstraints

from backlot.models import LinkPage, PublicModel, RequestModel

from wellness.schemas.common import DevicePersonality, Platform

Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]
ClientDeviceId = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(max_length=100)]


class DeviceCreate(RequestModel):
    """``POST /api/devices/``. ``client_device_id`` is the stable id the client keeps for this
    device (an install id, Android's ``ANDROID_ID``, iOS's ``identifierForVendor``): one device per
    id per user, so re-registering a device finds it instead of making a second one."""

    name: Name
    platform: Platform
    personality_type: DevicePersonality = DevicePersonality.snarky
    client_device_id: ClientDeviceId | None = None
    model: Text | None = None
    os_version: Text | None = None
    is_active: bool = True


class DeviceReplace(RequestModel):
    """``PUT /api/devices/{id}/``: every writable field (DRF's update); omitted optional ones become null/default."""

    name: Name
    platform: Platform
    personality_type: DevicePersonality
    client_device_id: ClientDeviceId | None = None
    model: Text | None = None
    os_version: Text | None = None
    is_active: bool = True


class DeviceUpdate(RequestModel):
    """``PATCH /api/devices/{id}/``: only the fields sent change (DRF's partial update)."""

    name: Name | None = None
    platform: Platform | None = None
    personality_type: DevicePersonality | None = None
    client_device_id: ClientDeviceId | None = None
    model: Text | None = None
    os_version: Text | None = None
    is_active: bool | None = None


class DevicePublic(PublicModel):
    """A device as its owner sees it. ``is_primary``: exactly one device of a user with any device
    is primary (the first one, until ``set_primary`` moves it)."""

    id: UUID
    client_device_id: str | None
    name: str
    platform: Platform
    personality_type: DevicePersonality
    model: str | None
    os_version: str | None
    is_primary: bool
    is_active: bool
    last_synced_at: datetime | None
    created_at: datetime
    updated_at: datetime


class DevicePage(LinkPage):
    """A page of the caller's devices, oldest first."""

    results: list[DevicePublic]


class DeviceRelationshipType(StrEnum):
    """Document 001: "Device relationships (siblings, rivals, besties)"."""

    siblings = "siblings"
    rivals = "rivals"
    besties = "besties"


class DeviceRelationshipCreate(RequestModel):
    """``POST /api/devices/relationships/``: two different devices of the caller. The relationship is
    symmetric: A-B and B-A are the same one."""

    device_a: UUID
    device_b: UUID
    relationship_type: DeviceRelationshipType
    description: Annotated[str, StringConstraints(max_length=500)] | None = None


class DeviceRelationshipPublic(PublicModel):
    """A relationship between two of the caller's devices (``device_a`` < ``device_b``)."""

    id: UUID
    device_a: UUID
    device_b: UUID
    relationship_type: DeviceRelationshipType
    description: str | None
    created_at: datetime


class DeviceRelationshipPage(LinkPage):
    """A page of the caller's device relationships, oldest first."""

    results: list[DeviceRelationshipPublic]
