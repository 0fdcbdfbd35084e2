"""Accounts: the user, the profile (time zone, conversation preferences), registration, login."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import ConfigDict, Field, StringConstraints

from backlot.models import PublicModel, RequestModel
from backlot.timezones import TimeZoneName


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


Email = Annotated[str, StringConstraints(min_length=3, max_length=254, pattern=r"^[^@\s\u0000]+@[^@\s\u0000]+\.[^@\s\u0000]+$")]
#: Cognito's limits: at most 256 characters; the pool's policy (length, classes) is checked by Cognito.
Password = Annotated[str, StringConstraints(min_length=6, max_length=256)]
ConversationFrequency = Literal["off", "daily", "weekly"]
Mood = Annotated[str, StringConstraints(min_length=1, max_length=30)]


class Registration(RequestModel):
    """``POST /api/accounts/users/``: a new account (Cognito user, e-mail as user name) and its
    wellness profile. ``password`` must meet the user pool's policy (Cognito says which rule failed)."""

    model_config = ConfigDict(str_strip_whitespace=False)

    email: Email
    password: Password
    display_name: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    time_zone: TimeZoneName = "UTC"


class Login(RequestModel):
    """``POST /api/accounts/login/``."""

    model_config = ConfigDict(str_strip_whitespace=False)

    email: Email
    password: Password


class TokenRefresh(RequestModel):
    """``POST /api/accounts/token/refresh/``: the ``refresh_token`` from login."""

    model_config = ConfigDict(str_strip_whitespace=False)

    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=8192)]


class PasswordChange(RequestModel):
    """``POST /api/accounts/users/change_password/``: the current password proves the caller."""

    model_config = ConfigDict(str_strip_whitespace=False)

    old_password: Password
    new_password: Password


class ProfileUpdate(RequestModel):
    """``PATCH /api/accounts/profile/``: the fields sent change. ``time_zone`` is an IANA name."""

    display_name: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    time_zone: TimeZoneName | None = None
    conversation_frequency: ConversationFrequency | None = None
    conversation_moods: Annotated[list[Mood], Field(max_length=10)] | None = None
    conversations_enabled: bool | None = None
    journals_enabled: bool | None = None


class Registered(PublicModel):
    """A new account: ``id`` is its platform user id (the ``sub`` of its tokens)."""

    id: UUID
    email: str
    profile: ProfilePublic


class TokenPair(PublicModel):
    """Cognito's tokens. Send ``id_token`` as ``Authorization: Bearer <id_token>`` to every
    product; ``expires_in`` is in seconds; ``refresh_token`` renews them with Cognito."""

    id_token: str
    access_token: str
    refresh_token: str | None
    expires_in: int
    token_type: str


class UserStats(PublicModel):
    """``GET /api/accounts/users/stats/``: counts of what the caller has here. The wellness
    statistics (score, streaks...) are ``/api/analytics/``'s."""

    devices: int
    active_devices: int
    apps: int = Field(description="distinct apps on the caller's devices")
    favorite_apps: int
    device_relationships: int
    app_relationships: int
    days_with_usage: int = Field(description="distinct local dates with usage on any device")
    first_usage_date: date | None
    last_usage_date: date | None
    member_since: datetime


class AccountDeleted(PublicModel):
    """``DELETE /api/accounts/users/me/``: rows deleted per table of schema ``wellness`` (zeros on a
    retry), and whether the login (Cognito user) was deleted too."""

    deleted: dict[str, int]
    login_deleted: bool
