"""Request and response bodies of the family API (design document 000, section 3).

Field names and shapes are the document's; additions are marked. Unknown fields are refused so a
typo is a clear 400 rather than silently ignored. ``created_by`` and ``reviewed_by`` are accepted
for compatibility with the document's clients but always set from the caller's identity.

Text: no string may contain NUL (``\x00``), which PostgreSQL ``text`` cannot store; it is a 400
naming the field.

Times: an ISO 8601 instant *with* a UTC offset (``Z`` or ``+02:00``, as ARCHITECTURE.md and the
document's examples send them), between :data:`EARLIEST` and :data:`LATEST`. A naive time is
refused (400) rather than guessed in some time zone. ``time_of_day`` and ``day_of_week`` are read
in the household's ``time_zone`` when it has one (clients that send ``Z`` need it), else in the
offset sent. The range keeps every stored instant one that PostgreSQL and
Python both read back in UTC (year 1 at ``+14:00`` is year 0 in UTC, which Python cannot load).
"""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum
from typing import Annotated, Any
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from family.domain.catalog import WEATHERS

ShortText = Annotated[str, Field(max_length=2000)]
EARLIEST = datetime(1900, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(3000, 1, 1, tzinfo=timezone.utc)


def _in_range(value: datetime) -> datetime:
    if not EARLIEST <= value < LATEST:
        raise ValueError("must be between 1900-01-01T00:00:00Z and 2999-12-31T23:59:59Z")
    return value


#: An instant with a UTC offset, within [EARLIEST, LATEST) (see the module docstring).
Instant = Annotated[AwareDatetime, AfterValidator(_in_range)]


def no_nul(value: Any) -> Any:
    """Refuse NUL in a string or in the strings of a list (PostgreSQL text cannot hold it)."""
    items = value if isinstance(value, (list, tuple)) else (value,)
    if any(isinstance(item, str) and "\x00" in item for item in items):
        raise ValueError("must not contain NUL (\\u0000) characters")
    return value


Tag = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$")]


class ExperienceStatus(str, Enum):
    planned = "planned"
    live = "live"
    done = "done"
    cancelled = "cancelled"


class MediaStatus(str, Enum):
    """A media item's processing state (filter of ``GET /api/v1/media/``)."""

    pending = "pending"
    ready = "ready"
    rejected = "rejected"


class Effort(str, Enum):
    easy = "easy"
    moderate = "moderate"
    hard = "hard"


def _check_weather(value: str | None) -> str | None:
    if value is not None and value not in WEATHERS:
        raise ValueError(f"must be one of {', '.join(WEATHERS)}")
    return value


#: Names ``zoneinfo`` loads that are not time zones: the host's own zone and tzcode's rules file,
#: which differ between hosts (and are absent from the ``tzdata`` package Lambda uses).
_NOT_ZONES = ("localtime", "posixrules")


def _check_time_zone(value: str | None) -> str | None:
    """An IANA time zone name (``America/Los_Angeles``, ``Europe/Paris``, ``UTC``) that
    ``zoneinfo.ZoneInfo`` loads; anything else is a 400 naming the field."""
    if value is None:
        return None
    message = "must be an IANA time zone name such as America/Los_Angeles"
    if value in _NOT_ZONES or value.startswith(("posix/", "right/")):
        raise ValueError(message)
    try:
        ZoneInfo(value)
    except (ValueError, KeyError, OSError):  # unknown (ZoneInfoNotFoundError), a directory, not a TZif file, a bad path
        raise ValueError(message) from None
    return value


class _Strict(BaseModel):
    # defer_build: a model's validator is built when first needed (FastAPI builds the request
    # models of the routes it defines at import), so an entry module does not pay for the other
    # resources' models at cold start.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    _no_nul = field_validator("*")(no_nul)


class HouseholdCreate(_Strict):
    """``POST /api/v1/households/`` (addition: the document assumes households exist).

    ``time_zone`` (addition, optional): the household's IANA time zone; experiences' time of day
    and day of week are read in it (see the module docstring)."""

    name: str = Field(min_length=1, max_length=200)
    time_zone: str | None = Field(default=None, min_length=1, max_length=64)

    _time_zone = field_validator("time_zone")(_check_time_zone)


class MemberAdd(_Strict):
    """``POST /api/v1/households/{id}/members/``: the user id (``backlot user-id NAME`` locally)."""

    user_id: UUID


class ExperienceCreate(_Strict):
    """Document 000 ``ExperienceCreate``; additions: ``weather`` and ``tags`` (learning context)."""

    household_id: UUID
    activity_name: str | None = Field(default=None, max_length=200)
    suggestion_id: str | None = Field(default=None, max_length=200)
    participant_ids: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list, max_length=50)
    start_at: Instant | None = None
    end_at: Instant | None = None
    place: str | None = Field(default=None, max_length=500)
    place_address: str | None = Field(default=None, max_length=1000)
    place_lat: float | None = Field(default=None, ge=-90, le=90)
    place_lng: float | None = Field(default=None, ge=-180, le=180)
    status: ExperienceStatus = ExperienceStatus.planned
    prep_notes: ShortText | None = None
    needs_adult: bool = False
    cost_estimate: float | None = Field(default=None, ge=0, le=99_999_999)
    created_by: str | None = None
    weather: str | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=20)

    _weather = field_validator("weather")(_check_weather)


class ExperienceUpdate(_Strict):
    """Document 000 ``ExperienceUpdate`` (PATCH: only the fields sent change), plus the other
    editable fields of ``ExperienceCreate``."""

    activity_name: str | None = Field(default=None, max_length=200)
    participant_ids: list[Annotated[str, Field(max_length=100)]] | None = Field(default=None, max_length=50)
    start_at: Instant | None = None
    end_at: Instant | None = None
    place: str | None = Field(default=None, max_length=500)
    place_address: str | None = Field(default=None, max_length=1000)
    place_lat: float | None = Field(default=None, ge=-90, le=90)
    place_lng: float | None = Field(default=None, ge=-180, le=180)
    status: ExperienceStatus | None = None
    prep_notes: ShortText | None = None
    needs_adult: bool | None = None
    cost_estimate: float | None = Field(default=None, ge=0, le=99_999_999)
    weather: str | None = None
    tags: list[Tag] | None = Field(default=None, max_length=20)

    _weather = field_validator("weather")(_check_weather)


class ReviewCreate(_Strict):
    """Document 000 ``ExperienceReviewCreate`` (``experience_id`` comes from the path)."""

    household_id: UUID
    experience_id: UUID | None = None
    rating: int = Field(ge=1, le=5)
    effort_felt: Effort | None = None
    cleanup_felt: Effort | None = None
    note: ShortText | None = None
    reviewed_by: str | None = None
    #: addition (issue 9): create the review's merry moment in the same request (document 000,
    #: "cascading creates (review → moment → weight update)"); see ``ReviewMoment``.
    merry_moment: ReviewMoment | None = None


class MerryMomentCreate(_Strict):
    """Document 000 ``MerryMomentCreate``."""

    household_id: UUID
    experience_id: UUID | None = None
    title: str = Field(min_length=1, max_length=500)
    description: ShortText | None = None
    participant_ids: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list, max_length=50)
    occurred_at: Instant
    place: str | None = Field(default=None, max_length=500)
    media_ids: list[UUID] = Field(default_factory=list, max_length=100)
    created_by: str | None = None
    is_manual: bool = False


class MediaUploadRequest(_Strict):
    """``POST /api/v1/media/uploads/`` (addition): ask for a presigned POST for a large file."""

    household_id: UUID
    content_type: str = Field(pattern=r"^(image|video)/[a-z0-9.+-]+$", max_length=100)
    size_bytes: int = Field(gt=0)
    merry_moment_id: UUID | None = None
    experience_id: UUID | None = None
    caption: str | None = Field(default=None, max_length=2000)



# ---------------------------------------------------------------- issue 9 (family9): households by
# invitation, a review's merry moment. Models of the new routes; the error body until the product's
# enumeration lands (branch ``contracts``).
class FamilyError(BaseModel):
    """The family error body (``family.http_api``): ``{"error", "code", "fields"?, "request_id"?}``."""

    error: str
    code: str
    fields: list[dict[str, Any]] | None = None
    request_id: str | None = None


def errors(**described: str) -> dict[int | str, dict[str, Any]]:
    """``responses=`` of a route: ``errors(**{"403": "why"})`` documents each status with :class:`FamilyError`."""
    return {int(status): {"model": FamilyError, "description": text} for status, text in described.items()}


class ReviewMoment(_Strict):
    """The merry moment a review creates (``ReviewCreate.merry_moment``): document 000's
    ``MerryMomentCreate`` without ``household_id`` and ``experience_id`` (the review's);
    ``occurred_at`` defaults to the experience's ``start_at``, else the time of the review."""

    title: str = Field(min_length=1, max_length=500)
    description: ShortText | None = None
    participant_ids: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list, max_length=50)
    occurred_at: Instant | None = None
    place: str | None = Field(default=None, max_length=500)
    media_ids: list[UUID] = Field(default_factory=list, max_length=100)
    is_manual: bool = False


class InvitationStatus(str, Enum):
    pending = "pending"
    accepted = "accepted"
    declined = "declined"


class Invitation(BaseModel):
    """An invitation to a household (addition, issue 9): made by an owner for a user id; only the
    invited user's acceptance makes a membership."""

    id: UUID
    household_id: UUID
    household_name: str
    user_id: UUID
    invited_by: UUID
    status: InvitationStatus
    created_at: datetime
    responded_at: datetime | None


class InvitationPage(BaseModel):
    """``GET /api/v1/invitations/``: the caller's pending invitations, oldest first."""

    invitations: list[Invitation]
    next_cursor: str | None


class MemberRole(str, Enum):
    owner = "owner"
    member = "member"


class MemberRoleUpdate(_Strict):
    """``PATCH /api/v1/households/{id}/members/{user_id}/``: ``owner`` promotes; ``member`` demotes
    an owner while another owner remains."""

    role: MemberRole


class Membership(BaseModel):
    household_id: UUID
    user_id: UUID
    role: MemberRole
