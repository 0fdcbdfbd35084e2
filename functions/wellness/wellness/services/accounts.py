"""Account use cases: the caller and its profile."""

from __future__ import annotations

from typing import Any

from backlot import db
from backlot.auth import Principal

from wellness.repository import accounts as repo
from wellness.settings import get_settings


def me(who: Principal) -> dict[str, Any]:
    """The caller with its profile (created with the default time zone on first use)."""
    with db.transaction() as conn:
        profile = repo.ensure_profile(conn, who.user_id, get_settings().default_time_zone)
    return {"id": who.user_id, "email": who.email, "profile": profile}
