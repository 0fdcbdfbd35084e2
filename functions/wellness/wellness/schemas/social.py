"""Social (document 001 "Social App"; issue 11 item 7): friend connections, friend visits and
challenges, request and response models. Another user appears only as :class:`Person` (id and
display name); their usage never appears here, only challenge progress (:class:`Standing`)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import Field, StringConstraints

from backlot.models import LinkPage, PublicModel, RequestModel


class Person(PublicModel):
    """Another user as the caller sees them: the user id (``id`` of ``GET /api/accounts/users/me/``,
    what a user shares to be befriended) and their profile's display name."""

    id: UUID
    display_name: str | None = None


# ---------------------------------------------------------------- friends


class ConnectionStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    BLOCKED = "blocked"


class Direction(StrEnum):
    OUTGOING = "outgoing"
    INCOMING = "incoming"


class FriendRequest(RequestModel):
    """``POST /api/social/friends/``: ask ``user_id`` (their user id, shared by them) to be friends."""

    user_id: UUID


class ConnectionPublic(PublicModel):
    """A friend connection as one of its two users sees it: the other user, the status, and
    whether the caller asked (``outgoing``) or was asked (``incoming``). ``blocked`` is seen by the
    blocker only; the blocked user no longer sees the connection."""

    id: UUID
    user: Person
    status: ConnectionStatus
    direction: Direction
    created_at: datetime
    updated_at: datetime
    responded_at: datetime | None = None


class ConnectionPage(LinkPage):
    results: list[ConnectionPublic]


# ---------------------------------------------------------------- visits


class VisitStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    ENDED = "ended"
    EXPIRED = "expired"


class VisitCreate(RequestModel):
    """``POST /api/social/visits/``: the caller's ``device_id`` visits friend ``user_id`` until
    ``ends_at`` (ISO 8601 with an offset; in the future, at most 7 days away)."""

    user_id: UUID
    device_id: UUID
    ends_at: datetime


class VisitAccept(RequestModel):
    """``POST /api/social/visits/{id}/accept/``: the guest's device that meets the host's."""

    device_id: UUID


class VisitDevice(PublicModel):
    """A device taking part in a visit: id, name, personality (what a conversation needs)."""

    id: UUID
    name: str
    personality_type: str


class VisitPublic(PublicModel):
    """A visit. ``status`` is ``expired`` once ``ends_at`` has passed while pending or active
    (computed when read). ``role``: the caller is the ``host`` (asked) or the ``guest``."""

    id: UUID
    friend: Person
    role: str
    status: VisitStatus
    my_device: VisitDevice | None = None
    friend_device: VisitDevice | None = None
    ends_at: datetime
    created_at: datetime
    accepted_at: datetime | None = None
    ended_at: datetime | None = None


class VisitPage(LinkPage):
    results: list[VisitPublic]


# ---------------------------------------------------------------- challenges


class ChallengeType(StrEnum):
    """Document 001's challenge types ("reduce_screen_time, increase_productivity, etc."), each a
    daily rule on one figure: at most ``target`` (reduce_*) or at least ``target`` (increase_*)."""

    REDUCE_SCREEN_TIME = "reduce_screen_time"          # screen time minutes a day <= target
    REDUCE_UNLOCKS = "reduce_unlocks"                  # unlocks a day <= target
    REDUCE_SOCIAL_MEDIA = "reduce_social_media"        # minutes in Social apps a day <= target
    INCREASE_PRODUCTIVITY = "increase_productivity"    # minutes in Productivity apps a day >= target


class ChallengeCreate(RequestModel):
    """``POST /api/social/challenges/``: the creator joins it; their friends may join until it ends.
    ``start_date``..``end_date`` are local dates, inclusive, at most 92 days."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    challenge_type: ChallengeType
    target: int = Field(ge=0, le=100_000, description="minutes or unlocks a day")
    start_date: date
    end_date: date


class ChallengeStatus(StrEnum):
    UPCOMING = "upcoming"
    ACTIVE = "active"
    FINISHED = "finished"


class MyProgress(PublicModel):
    """The caller's own figures in a challenge (their own usage, so only theirs)."""

    average_value: float | None = None
    days_met: int
    days_measured: int


class ChallengePublic(PublicModel):
    """A challenge, its status on the caller's local date, its participants count and whether the
    caller takes part (with their own progress)."""

    id: UUID
    creator: Person
    name: str
    description: str | None = None
    challenge_type: ChallengeType
    target: int
    start_date: date
    end_date: date
    status: ChallengeStatus
    participants: int
    joined: bool
    my_progress: MyProgress | None = None
    created_at: datetime


class ChallengePage(LinkPage):
    results: list[ChallengePublic]


class Standing(PublicModel):
    """One participant on the leaderboard: progress only (days meeting the rule, days with data,
    percent of the challenge's days so far), never their usage figures."""

    rank: int
    user: Person
    days_met: int
    days_measured: int
    days_elapsed: int
    progress_pct: float = Field(description="days_met / days_elapsed x 100, one decimal")
    is_me: bool


class Leaderboard(PublicModel):
    """``GET /api/social/challenges/{id}/leaderboard/``: participants ranked by days met, then days
    measured (equal ones share a rank: 1, 2, 2, 4), listed in the order they joined within a rank."""

    challenge_id: UUID
    status: ChallengeStatus
    as_of: date
    results: list[Standing]


# ---------------------------------------------------------------- blocks


class BlockCreate(RequestModel):
    """``POST /api/social/blocks/``: block ``user_id`` (a user id, as for a friend request)."""

    user_id: UUID


class BlockPublic(PublicModel):
    """A block as its blocker sees it (the blocked user never sees it): the blocked user and since when."""

    user: Person
    created_at: datetime


class BlockPage(LinkPage):
    results: list[BlockPublic]
