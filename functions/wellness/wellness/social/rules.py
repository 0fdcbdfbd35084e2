"""The decisions of the social area, without I/O (unit-tested in tests/unit/wellness/test_social_rules.py).

A friend connection is one row per pair of users (whoever asked first). What a request does
depends on that row as it stands, read under its row lock (:func:`on_request`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import UUID


class RequestOutcome(StrEnum):
    """What ``POST /api/social/friends/`` does with the pair's current row."""

    CREATE = "create"          # no row: a new pending request (201)
    SAME = "same"              # the caller's own pending request or an existing friendship: answered as is (200, idempotent)
    ACCEPT = "accept"          # the other user asked the caller and is waiting: a crossed request accepts it (200)
    RENEW = "renew"            # a declined request (either way): asked again, pending from the caller (200)
    HIDDEN = "hidden"          # the other user blocked the caller: answered as if no such user (404)
    BLOCKED_BY_ME = "blocked_by_me"  # the caller blocked the other user: unblock (DELETE) first (409)


def on_request(row: dict[str, Any] | None, caller: UUID) -> RequestOutcome:
    """The outcome of the caller's friend request given the pair's row (None: none yet).

    Rules (issue 11 item 7): a duplicate request is idempotent; a crossed request (A asks B while
    B's request to A is pending) is one clear outcome, the friendship; a blocked user can send no
    further request and cannot tell they are blocked.
    """
    if row is None:
        return RequestOutcome.CREATE
    status = row["status"]
    if status == "blocked":
        return RequestOutcome.BLOCKED_BY_ME if row["blocked_by"] == caller else RequestOutcome.HIDDEN
    if status == "accepted":
        return RequestOutcome.SAME
    if status == "pending":
        return RequestOutcome.SAME if row["requester_id"] == caller else RequestOutcome.ACCEPT
    return RequestOutcome.RENEW  # declined


def visible_to(row: dict[str, Any], caller: UUID) -> bool:
    """Whether the caller sees the connection: one of its two users, and not the blocked one."""
    if caller not in (row["requester_id"], row["addressee_id"]):
        return False
    return not (row["status"] == "blocked" and row["blocked_by"] != caller)


def rule_met(challenge_type: str, value: float | None, target: int) -> bool | None:
    """Whether a day's figure meets a challenge's daily rule (None: no figure that day).
    ``increase_*`` types need at least ``target``; the others at most ``target``
    (``wellness.schemas.social.ChallengeType``). The SQL of the leaderboard applies the same rule."""
    if value is None:
        return None
    return value >= target if challenge_type.startswith("increase_") else value <= target
