"""Usage: the bulk-upload body (documented; each record is checked by ``domain.ingest``), the
upload answer, the device days list, the summary and top apps (document 001 "Usage App"; the
shapes of issue 10's "Interfaces other work relies on")."""

from __future__ import annotations

import datetime as dt
from datetime import datetime, time
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from backlot.models import LinkPage, PublicModel


# ---------------------------------------------------------------- the upload body (OpenAPI only)
class _Doc(BaseModel):
    model_config = ConfigDict(extra="allow")


class AppUsageIn(_Doc):
    """One app on one day (Android: StayFree, Digital Wellbeing)."""

    app: str = Field(description="the app's identifier: its package name when known, else its label",
                     min_length=1, max_length=255, examples=["com.google.android.youtube"])
    name: str | None = Field(default=None, max_length=255)
    category: str | None = Field(default=None, max_length=100)
    minutes: float | None = Field(default=None, ge=0, le=1440)
    launches: int | None = Field(default=None, ge=0)
    notifications: int | None = Field(default=None, ge=0)


class CategoryUsageIn(_Doc):
    """Minutes in one category on one day (iOS Screen Time)."""

    category: str = Field(min_length=1, max_length=100)
    minutes: float = Field(ge=0, le=1440)


class DayUsageIn(_Doc):
    """One local day of the device (the user's profile time zone); only ``date`` is required."""

    date: str = Field(description="YYYY-MM-DD, not in the future", pattern=r"^\d{4}-\d{2}-\d{2}$")
    screen_time_minutes: float | None = Field(default=None, ge=0, le=1440)
    unlocks: int | None = Field(default=None, ge=0)
    notifications: int | None = Field(default=None, ge=0)
    first_pickup: str | None = Field(default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM")
    apps: list[AppUsageIn] | None = Field(default=None, max_length=500)
    categories: list[CategoryUsageIn] | None = Field(default=None, max_length=100)


class SessionIn(_Doc):
    """An app in the foreground from ``start`` to ``end`` (ISO 8601 with a UTC offset; at most 24 h)."""

    app: str = Field(min_length=1, max_length=255)
    start: datetime
    end: datetime


class BulkUploadIn(_Doc):
    """``POST /api/usage/data/bulk_upload/``: everything one device measured. Every part and every
    field but a day's ``date`` is optional. Each record is checked on its own: the valid ones are
    stored, the others listed in ``rejected`` with their path and reason."""

    device_id: UUID
    days: list[DayUsageIn] | None = Field(default=None, max_length=1000)
    sessions: list[SessionIn] | None = Field(default=None, max_length=20000)
    unlock_events: list[datetime] | None = Field(default=None, max_length=50000)


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s JSON schema with its ``$defs`` inlined (for a route's ``openapi_extra``)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return inline(defs[ref.removeprefix("#/$defs/")])
            return {k: inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    return inline(schema)


# ---------------------------------------------------------------- answers
class UploadAccepted(PublicModel):
    """How many records of each kind were stored (merged sessions count as the records sent)."""

    days: int
    apps: int
    sessions: int
    unlock_events: int


class UploadRejection(PublicModel):
    """A record that was not stored: where it is in the request and why."""

    path: str = Field(examples=["days[3].apps[1].minutes"])
    reason: str


class UploadResult(PublicModel):
    """The answer of an upload or import: what was stored, and every record refused."""

    accepted: UploadAccepted
    rejected: list[UploadRejection]


class UsageDayPublic(PublicModel):
    """One device's day. ``screen_time_minutes`` is the total the device sent, else the sum of its
    app minutes (``screen_time_reported`` says which); null counts were not sent."""

    device: UUID = Field(validation_alias="device_id")
    date: dt.date = Field(validation_alias="usage_date")
    screen_time_minutes: int | None
    screen_time_reported: bool
    unlocks: int | None
    notifications: int | None
    first_pickup: time | None
    app_minutes: float | None
    app_launches: int | None
    category_minutes: float | None
    source: str
    uploaded_at: datetime


class UsageDayPage(LinkPage):
    """``GET /api/usage/data/``: device days, newest first."""

    results: list[UsageDayPublic]


class SummaryDay(PublicModel):
    """One local date: the caller's devices' totals added up (null: no device sent it)."""

    date: dt.date
    screen_time_minutes: int | None
    unlocks: int | None
    notifications: int | None
    devices: int = Field(description="devices with data that day")


class SummaryTotals(PublicModel):
    """The period's totals (sums of the days) and how many days had data."""

    screen_time_minutes: int | None
    unlocks: int | None
    notifications: int | None
    days: int


class UsageSummary(PublicModel):
    """``GET /api/usage/data/summary/``: per-day totals for the caller's devices (or one device)."""

    start: dt.date
    end: dt.date
    device: UUID | None
    days: list[SummaryDay]
    totals: SummaryTotals


class TopApp(PublicModel):
    """One app over the period, summed over the caller's devices."""

    app: str
    name: str | None
    category: str | None
    minutes: float | None
    launches: int | None
    days: int = Field(description="days with a record of this app")


class TopApps(PublicModel):
    """``GET /api/usage/data/top_apps/``: the most used apps, most minutes first."""

    start: dt.date
    end: dt.date
    device: UUID | None
    results: list[TopApp]
