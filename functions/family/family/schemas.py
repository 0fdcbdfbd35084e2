"""Request and response bodies of the family API (design document 000, section 3).

Field names and shapes are the document's; additions are marked. Requests: unknown fields are
refused so a typo is a clear 422 rather than silently ignored (``backlot.models.RequestModel``).
Responses are allow-lists (``XPublic``, ``XPage``; ``backlot.models.PublicModel``): a column the
service's row holds and the model does not name never leaves the API. ``created_by`` and ``reviewed_by`` are accepted
for compatibility with the document's clients but always set from the caller's identity.

Text: no string may contain NUL (``\x00``), which PostgreSQL ``text`` cannot store; it is a 422
naming the field.

Times: an ISO 8601 instant *with* a UTC offset (``Z`` or ``+02:00``, as ARCHITECTURE.md and the
document's examples send them), between :data:`EARLIEST` and :data:`LATEST`. A naive time is
refused (422) rather than guessed in some time zone. ``time_of_day`` and ``day_of_week`` are read
in the household's ``time_zone`` when it has one (clients that send ``Z`` need it), else in the
offset sent. The range (the year as written, 1900 to 2999, which the schema's pattern says) keeps
every stored instant one that PostgreSQL and Python both read back in UTC (year 1 at ``+14:00`` is
year 0 in UTC, which Python cannot load).
"""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum
from functools import cache
from importlib import resources
from typing import Annotated, Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, WithJsonSchema, field_validator

from backlot.models import JsonInt, PresignedUpload, PublicModel, RequestModel, json_number
from backlot.models import no_nul as no_nul  # noqa: PLC0414 - the routes' name for it

from family.domain.catalog import DAYS_OF_WEEK, TIMES_OF_DAY, WEATHERS

ShortText = Annotated[str, Field(max_length=2000)]
EARLIEST = datetime(1900, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(3000, 1, 1, tzinfo=timezone.utc)


def _in_range(value: datetime) -> datetime:
    if not EARLIEST.year <= value.year < LATEST.year:
        raise ValueError("must be in the years 1900 to 2999 (as written, in its own offset)")
    return value


#: The schema of :data:`Instant`: RFC 3339 ``date-time`` (which requires the offset) whose year,
#: as written, is 1900..2999.
INSTANT_SCHEMA = {"type": "string", "format": "date-time", "pattern": "^(19[0-9]{2}|2[0-9]{3})-"}

#: An instant with a UTC offset, its year as written within [1900, 2999] (see the module
#: docstring): in UTC that is 1899-12-31 to 3000-01-01, which PostgreSQL and Python both load.
Instant = Annotated[AwareDatetime, AfterValidator(_in_range), WithJsonSchema(INSTANT_SCHEMA)]


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


#: A weather of the learning context (``family.domain.catalog.WEATHERS``).
Weather = Literal[WEATHERS]  # type: ignore[valid-type]
TimeOfDay = Literal[TIMES_OF_DAY]  # type: ignore[valid-type]
DayOfWeek = Literal[DAYS_OF_WEEK]  # type: ignore[valid-type]


@cache
def time_zone_names() -> tuple[str, ...]:
    """The IANA zone names of the ``tzdata`` package (the database Lambda's ``zoneinfo`` reads)."""
    return tuple(sorted(resources.files("tzdata").joinpath("zones").read_text().split()))


#: Names ``zoneinfo`` loads that are not time zones: the host's own zone and tzcode's rules file,
#: which differ between hosts (and are absent from the ``tzdata`` package Lambda uses).
_NOT_ZONES = ("localtime", "posixrules")


def _check_time_zone(value: str | None) -> str | None:
    """An IANA time zone name (``America/Los_Angeles``, ``Europe/Paris``, ``UTC``) that
    ``zoneinfo.ZoneInfo`` loads; anything else is a 400 naming the field."""
    if value is None:
        return None
    message = "must be an IANA time zone name such as America/Los_Angeles"
    if value in _NOT_ZONES or value.startswith(("posix/", "right/")) or value not in time_zone_names():
        raise ValueError(message)
    try:
        ZoneInfo(value)
    except (ValueError, KeyError, OSError):  # unknown (ZoneInfoNotFoundError), a directory, not a TZif file, a bad path
        raise ValueError(message) from None
    return value


#: An IANA time zone name of the ``tzdata`` package; the schema lists them.
TimeZone = Annotated[str, WithJsonSchema({"type": "string", "enum": list(time_zone_names())})]


class _Strict(RequestModel):
    """Base of the family request bodies (``backlot.models.RequestModel``)."""


# ---------------------------------------------------------------- responses (allow-lists)
class Me(PublicModel):
    """``GET /api/v1/me/``: the caller's user id (what others pass to add them) and groups."""

    user_id: UUID
    email: str | None
    groups: list[str]


class HouseholdPublic(PublicModel):
    """A household as its members see it; ``role`` is the caller's, ``member_ids`` every member's."""

    id: UUID
    name: str
    time_zone: str | None = None
    created_by: UUID
    created_at: datetime
    last_activity_at: datetime | None = None
    role: Literal["owner", "member"]
    member_ids: list[UUID]


class HouseholdList(PublicModel):
    """``GET /api/v1/households/``: a page, oldest first; ``next_cursor`` is None on the last page."""

    households: list[HouseholdPublic]
    next_cursor: str | None


class MemberPublic(PublicModel):
    """A membership: ``POST /api/v1/households/{id}/members/`` (201 added, 200 already a member)."""

    household_id: UUID
    user_id: UUID


class ExperiencePublic(PublicModel):
    """Document 000 ``Experience``; additions: ``weather``, ``time_of_day``, ``day_of_week`` (read in
    the household's time zone), ``tags``."""

    id: UUID
    household_id: UUID
    activity_name: str | None
    suggestion_id: str | None
    participant_ids: list[str]
    start_at: datetime | None
    end_at: datetime | None
    place: str | None
    place_address: str | None
    place_lat: float | None
    place_lng: float | None
    status: ExperienceStatus
    prep_notes: str | None
    needs_adult: bool
    cost_estimate: float | None
    weather: Weather | None
    time_of_day: TimeOfDay | None
    day_of_week: DayOfWeek | None
    tags: list[str]
    created_by: UUID | None
    created_at: datetime
    updated_at: datetime


class ExperiencePage(PublicModel):
    """A page of experiences, newest first; ``next_cursor`` is None on the last page."""

    experiences: list[ExperiencePublic]
    next_cursor: str | None


class ReviewPublic(PublicModel):
    """Document 000 ``ExperienceReview``."""

    id: UUID
    experience_id: UUID
    household_id: UUID
    rating: int = Field(ge=1, le=5)
    effort_felt: Effort | None
    cleanup_felt: Effort | None
    note: str | None
    reviewed_by: UUID
    created_at: datetime
    #: issue 9: the merry moment made with the review (``ReviewCreate.merry_moment``), if any;
    #: ``merry_moment`` is given in the answer to the POST that made it.
    merry_moment_id: UUID | None = None
    merry_moment: MerryMomentPublic | None = None


class ReviewPage(PublicModel):
    reviews: list[ReviewPublic]
    next_cursor: str | None


class MerryMomentPublic(PublicModel):
    """Document 000 ``MerryMoment``; ``media_ids`` also holds the media uploaded into it."""

    id: UUID
    household_id: UUID
    experience_id: UUID | None
    title: str
    description: str | None
    participant_ids: list[str]
    occurred_at: datetime
    place: str | None
    media_ids: list[UUID]
    created_by: UUID | None
    is_manual: bool
    created_at: datetime
    updated_at: datetime


class MerryMomentPage(PublicModel):
    moments: list[MerryMomentPublic]
    next_cursor: str | None


class MediaPublic(PublicModel):
    """A photo or video (document 000 ``MediaItem`` and additions): ``status`` with ``reason`` and
    ``reason_code`` when rejected; presigned GET URLs of the clean copy, preview and thumbnail once
    ready. The original and the bucket keys are never shown (this list is what leaves the API)."""

    id: UUID
    household_id: UUID
    merry_moment_id: UUID | None
    experience_id: UUID | None
    status: MediaStatus
    reason: str | None
    reason_code: str | None
    declared_type: str | None
    source_mime_type: str | None
    mime_type: str | None
    file_size_bytes: int | None
    width_px: int | None
    height_px: int | None
    duration_seconds: int | None
    caption: str | None
    uploaded_by: UUID | None
    processed_at: datetime | None
    created_at: datetime
    file_url: str | None
    preview_url: str | None
    thumbnail_url: str | None


class MediaPage(PublicModel):
    media: list[MediaPublic]
    next_cursor: str | None


class MediaUploadPublic(PublicModel):
    """``POST /api/v1/media/uploads/``: the pending item and the presigned POST to send its file with."""

    media: MediaPublic
    upload: PresignedUpload


class SuggestionContext(PublicModel):
    weather: Weather | None
    time_of_day: TimeOfDay | None
    day_of_week: DayOfWeek | None
    participant_count: int | None
    tags: list[str]


class Suggestion(PublicModel):
    """One ranked suggestion (``family.domain.learning.Suggestion``): ``score`` higher first."""

    suggestion_id: str | None
    activity_name: str
    score: float
    tried: bool
    reviews: int
    why: list[str]


class SuggestionList(PublicModel):
    """``GET /api/v1/suggestions/``."""

    household_id: UUID
    context: SuggestionContext
    suggestions: list[Suggestion]


class HouseholdCreate(_Strict):
    """``POST /api/v1/households/`` (addition: the document assumes households exist).

    ``time_zone`` (addition, optional): the household's IANA time zone; experiences' time of day
    and day of week are read in it (see the module docstring)."""

    name: str = Field(min_length=1, max_length=200)
    time_zone: TimeZone | None = Field(default=None, min_length=1, max_length=64)

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
    place_lat: Annotated[float, Field(ge=-90, le=90), BeforeValidator(json_number)] | None = None
    place_lng: Annotated[float, Field(ge=-180, le=180), BeforeValidator(json_number)] | None = None
    status: ExperienceStatus = ExperienceStatus.planned
    prep_notes: ShortText | None = None
    needs_adult: bool = False
    cost_estimate: Annotated[float, Field(ge=0, le=99_999_999), BeforeValidator(json_number)] | None = None
    created_by: str | None = None
    weather: Weather | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=20)


class ExperienceUpdate(_Strict):
    """Document 000 ``ExperienceUpdate`` (PATCH: only the fields sent change), plus the other
    editable fields of ``ExperienceCreate``. ``participant_ids``, ``status``, ``needs_adult`` and
    ``tags`` may be left out but not set to null."""

    activity_name: str | None = Field(default=None, max_length=200)
    participant_ids: list[Annotated[str, Field(max_length=100)]] = Field(default=None, max_length=50)  # type: ignore[assignment] - not null; absent = unchanged
    start_at: Instant | None = None
    end_at: Instant | None = None
    place: str | None = Field(default=None, max_length=500)
    place_address: str | None = Field(default=None, max_length=1000)
    place_lat: Annotated[float, Field(ge=-90, le=90), BeforeValidator(json_number)] | None = None
    place_lng: Annotated[float, Field(ge=-180, le=180), BeforeValidator(json_number)] | None = None
    status: ExperienceStatus = None  # type: ignore[assignment] - not null; absent = unchanged
    prep_notes: ShortText | None = None
    needs_adult: bool = None  # type: ignore[assignment]
    cost_estimate: Annotated[float, Field(ge=0, le=99_999_999), BeforeValidator(json_number)] | None = None
    weather: Weather | None = None
    tags: list[Tag] = Field(default=None, max_length=20)  # type: ignore[assignment]


class ReviewCreate(_Strict):
    """Document 000 ``ExperienceReviewCreate`` (``experience_id`` comes from the path)."""

    household_id: UUID
    experience_id: UUID | None = None
    rating: JsonInt = Field(ge=1, le=5)
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
    size_bytes: JsonInt = Field(gt=0)
    merry_moment_id: UUID | None = None
    experience_id: UUID | None = None
    caption: str | None = Field(default=None, max_length=2000)



# ---------------------------------------------------------------- issue 9 (family9): households by
# invitation, a review's merry moment.
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
    """``pending`` until answered; ``expired`` when not answered by ``expires_at``; ``revoked`` when
    an owner withdrew it."""

    pending = "pending"
    accepted = "accepted"
    declined = "declined"
    revoked = "revoked"
    expired = "expired"


class Invitation(PublicModel):
    """An invitation to a household (addition, issue 9): made by an owner for a user id; only the
    invited user's acceptance makes a membership."""

    id: UUID
    household_id: UUID
    household_name: str
    user_id: UUID
    invited_by: UUID
    status: InvitationStatus
    created_at: datetime
    expires_at: datetime
    responded_at: datetime | None


class InvitationPage(PublicModel):
    """``GET /api/v1/invitations/`` (the caller's) or ``GET /api/v1/households/{id}/invitations/``
    (the household's, for owners): open invitations, oldest first."""

    invitations: list[Invitation]
    next_cursor: str | None


class MemberRole(str, Enum):
    owner = "owner"
    member = "member"


class MemberRoleUpdate(_Strict):
    """``PATCH /api/v1/households/{id}/members/{user_id}/``: ``owner`` promotes; ``member`` demotes
    an owner while another owner remains."""

    role: MemberRole


class Membership(PublicModel):
    """A membership and its role (``PATCH /api/v1/households/{id}/members/{user_id}/``)."""

    household_id: UUID
    user_id: UUID
    role: MemberRole
