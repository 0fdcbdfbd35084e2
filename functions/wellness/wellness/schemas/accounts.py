"""Accounts: the user, the profile (time zone, conversation preferences), registration, login."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from backlot.models import PublicModel


class ProfilePublic(PublicModel):
    """The caller's profile (document 001: "User profile with timezone and conversation preferences").
    ``time_zone`` is the IANA zone in which the user's days are counted (usage, goals, streaks)."""

    display_name: str | None = None
    time_zone: str
    conversation_frequency: Literal["off", "daily", "weekly"]
    conversation_moods: list[str]
    conversations_enabled: bool
    journals_enabled: bool
    created_at: datetime
    updated_at: datetime


class UserPublic(PublicModel):
    """``GET /api/accounts/users/me/``: the caller (``id`` is the platform user id, the token's
    subject) and its profile."""

    id: UUID
    email: str | None = None
    profile: ProfilePublic
