"""Apps (document 001, Applications App): the shared registry with the 16 app personalities and
categories, device-app associations with per-device customisation, favourites, and relationships
between two apps as one user sees them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import Field, StringConstraints, model_validator

from backlot.models import LinkPage, PublicModel, RequestModel

from wellness.schemas.common import AppPersonality

#: An app's identifier: Android package name or iOS bundle id (``com.instagram.android``), or the
#: name a client gives when it knows no package (iOS Screen Time).
PackageName = Annotated[str, StringConstraints(min_length=1, max_length=255)]
AppName = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Category = Annotated[str, StringConstraints(min_length=1, max_length=50)]


class AppCreate(RequestModel):
    """``POST /api/apps/``: register an app in the shared registry (or find it: one entry per
    ``package_name``). ``personality_type`` is the registry's default; a user overrides it per
    device (``device-apps``)."""

    package_name: PackageName
    name: AppName
    category: Category = "other"
    personality_type: AppPersonality = AppPersonality.chill


class AppPublic(PublicModel):
    """A registry entry."""

    id: UUID
    package_name: str
    name: str
    category: str
    personality_type: AppPersonality
    created_at: datetime


class AppPage(LinkPage):
    """A page of the registry, oldest entries first."""

    results: list[AppPublic]


class DeviceAppCreate(RequestModel):
    """``POST /api/apps/device-apps/``: an app on one of the caller's devices, named by ``app_id``
    or by ``package_name`` (+ ``name``, ``category``: registered when new)."""

    device_id: UUID
    app_id: UUID | None = None
    package_name: PackageName | None = None
    name: AppName | None = None
    category: Category | None = None
    nickname: AppName | None = None
    personality_override: AppPersonality | None = None
    is_favorite: bool = False
    is_hidden: bool = False
    daily_limit_minutes: int | None = Field(default=None, ge=1, le=1440)

    @model_validator(mode="after")
    def _one_app(self) -> "DeviceAppCreate":
        if (self.app_id is None) == (self.package_name is None):
            raise ValueError("give app_id or package_name (one of them)")
        return self


class DeviceAppUpdate(RequestModel):
    """``PATCH /api/apps/device-apps/{id}/``: the customisation fields sent change (null clears)."""

    nickname: AppName | None = None
    personality_override: AppPersonality | None = None
    is_favorite: bool | None = None
    is_hidden: bool | None = None
    daily_limit_minutes: int | None = Field(default=None, ge=1, le=1440)


class DeviceAppPublic(PublicModel):
    """An app on a device: the registry entry (``app``), the user's customisation, and the
    personality in effect (``personality_type``: the override, else the registry's)."""

    id: UUID
    device_id: UUID
    app: AppPublic
    nickname: str | None
    personality_override: AppPersonality | None
    personality_type: AppPersonality
    is_favorite: bool
    is_hidden: bool
    daily_limit_minutes: int | None
    created_at: datetime
    updated_at: datetime


class DeviceAppPage(LinkPage):
    """A page of the caller's device apps, oldest first."""

    results: list[DeviceAppPublic]


class AppRelationshipType(StrEnum):
    """How two apps get along, as the user sees them (document 001: "App relationships")."""

    friends = "friends"
    rivals = "rivals"
    frenemies = "frenemies"
    siblings = "siblings"
    besties = "besties"


class AppRelationshipCreate(RequestModel):
    """``POST /api/apps/relationships/``: two different registry apps (symmetric: A-B is B-A)."""

    app_a: UUID
    app_b: UUID
    relationship_type: AppRelationshipType
    description: Annotated[str, StringConstraints(max_length=500)] | None = None


class AppRelationshipPublic(PublicModel):
    """A relationship between two apps, the caller's (``app_a`` < ``app_b``)."""

    id: UUID
    app_a: UUID
    app_b: UUID
    relationship_type: AppRelationshipType
    description: str | None
    created_at: datetime


class AppRelationshipPage(LinkPage):
    """A page of the caller's app relationships, oldest first."""

    results: list[AppRelationshipPublic]
