"""Challenge use cases (document 001 "Challenges with join/leave functionality"; issue 11 item 7).

A challenge is seen by its creator, its participants and the creator's friends; they may join
it until it ends (``end_date`` before the caller's local date: finished) and leave it before.
Progress is computed when read, from the participants' daily figures (set-based SQL,
``challenges_sql.progress``). A participant sees the others' progress (days meeting the rule,
days measured, rank), never their figures: the only usage figure answered is the caller's own.
A participant blocked by the caller, or blocking them, is in neither the leaderboard nor the
``participants`` count the caller sees.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any
from uuid import UUID

from backlot import db
from backlot.auth import Principal
from backlot.errors import BadRequest, Conflict, Forbidden, NotFound
from backlot.pagination import decode_keyset, keyset_page

from wellness.errors import Code
from wellness.repository import accounts as accounts_repo
from wellness.schemas.social import ChallengeCreate
from wellness.settings import get_settings
from wellness.social import challenges_sql as sql

MAX_DAYS = 92
"""The longest challenge, in days (a season; a bound on what a leaderboard reads)."""


def _not_found() -> NotFound:
    return NotFound("challenge not found", code=Code.challenge_not_found)


def status_on(row: dict[str, Any], today: date) -> str:
    """``upcoming`` before ``start_date``, ``finished`` after ``end_date``, else ``active``."""
    if today < row["start_date"]:
        return "upcoming"
    return "finished" if today > row["end_date"] else "active"


def days_elapsed(row: dict[str, Any], today: date) -> int:
    """Days of the challenge from its start to ``today`` (or its end), inclusive; 0 before it starts."""
    last = min(row["end_date"], today)
    return max(0, (last - row["start_date"]).days + 1)


def competition_ranks(keys: list[tuple[int, int]]) -> list[int]:
    """Ranks of already sorted standings, ties sharing one ("1224" standard competition ranking):
    ``[(3, 4), (2, 4), (2, 4), (1, 4)]`` -> ``[1, 2, 2, 4]``."""
    ranks: list[int] = []
    for i, key in enumerate(keys):
        ranks.append(ranks[-1] if i and key == keys[i - 1] else i + 1)
    return ranks


def _public(conn: Any, who: Principal, rows: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    mine = {p["challenge_id"]: p for p in sql.progress(conn, [r["id"] for r in rows if r["joined"]], today, only=who.user_id)}
    return [{**r, "status": status_on(r, today), "my_progress": mine.get(r["id"])} for r in rows]


def create(who: Principal, body: ChallengeCreate) -> dict[str, Any]:
    """Store the challenge with its creator as first participant.

    Raises:
        BadRequest: naming ``end_date`` (before ``start_date``, more than 92 days after it, or
            already past on the caller's local date).
    """
    values = body.model_dump(mode="python")
    with db.transaction() as conn:
        accounts_repo.ensure_profile(conn, who.user_id, get_settings().default_time_zone)
        today = sql.local_today(conn, who.user_id)
        problems = []
        if body.end_date < body.start_date:
            problems.append("must not be before start_date")
        elif (body.end_date - body.start_date).days + 1 > MAX_DAYS:
            problems.append(f"a challenge lasts at most {MAX_DAYS} days")
        elif body.end_date < today:
            problems.append("is already past")
        if problems:
            raise BadRequest("invalid challenge", fields=[{"field": "end_date", "message": m} for m in problems])
        challenge_id = uuid.uuid4()
        values["challenge_type"] = body.challenge_type.value
        sql.insert(conn, challenge_id, who.user_id, values)
        row = sql.get_visible(conn, who.user_id, challenge_id)
        return _public(conn, who, [row], today)[0]  # type: ignore[list-item]


def get(who: Principal, challenge_id: UUID) -> dict[str, Any]:
    """One challenge the caller sees, with their own progress when they take part. Raises NotFound."""
    with db.transaction() as conn:
        row = sql.get_visible(conn, who.user_id, challenge_id)
        if row is None:
            raise _not_found()
        return _public(conn, who, [row], sql.local_today(conn, who.user_id))[0]


def list_challenges(who: Principal, joined: bool | None, cursor: str | None, limit: int
                    ) -> tuple[list[dict[str, Any]], str | None, str | None]:
    """One page of the challenges the caller sees (newest first); ``joined`` filters."""
    key = decode_keyset(cursor)
    with db.transaction() as conn:
        rows = sql.page(conn, who.user_id, joined=joined, key=key, limit=limit)
        items, nxt, prev = keyset_page(rows, limit, key)
        return _public(conn, who, items, sql.local_today(conn, who.user_id)), nxt, prev


def _open_for_change(conn: Any, who: Principal, challenge_id: UUID) -> None:
    sql.lock(conn, challenge_id)
    row = sql.get_visible(conn, who.user_id, challenge_id)
    if row is None:
        raise _not_found()
    if status_on(row, sql.local_today(conn, who.user_id)) == "finished":
        raise Conflict("the challenge is finished", code=Code.challenge_finished)


def join(who: Principal, challenge_id: UUID) -> dict[str, Any]:
    """Join (idempotent: joining again changes nothing). Raises NotFound; Conflict
    ``challenge_finished`` once its end date has passed on the caller's local date."""
    with db.transaction() as conn:
        accounts_repo.ensure_profile(conn, who.user_id, get_settings().default_time_zone)
        _open_for_change(conn, who, challenge_id)
        sql.join(conn, challenge_id, who.user_id)
    return get(who, challenge_id)


def leave(who: Principal, challenge_id: UUID) -> None:
    """Leave (idempotent: leaving a challenge one is not in changes nothing). Raises NotFound;
    Conflict ``challenge_finished`` (a finished challenge's results stay as they are)."""
    with db.transaction() as conn:
        _open_for_change(conn, who, challenge_id)
        sql.leave(conn, challenge_id, who.user_id)


def leaderboard(who: Principal, challenge_id: UUID) -> dict[str, Any]:
    """The participants ranked by days meeting the rule (then days measured, then who joined
    first), with progress only; participants with a block between them and the caller (either
    way) are left out, as if not there (:mod:`wellness.social.blocks`). Raises NotFound; Forbidden
    ``not_participant`` for a caller who neither created nor joined it (they may join to see it)."""
    with db.transaction() as conn:
        row = sql.get_visible(conn, who.user_id, challenge_id)
        if row is None:
            raise _not_found()
        if not row["joined"] and row["creator_id"] != who.user_id:
            raise Forbidden("join the challenge to see its leaderboard", code=Code.not_participant)
        today = sql.local_today(conn, who.user_id)
        standings = sql.progress(conn, [challenge_id], today, viewer=who.user_id)
    elapsed = days_elapsed(row, today)
    ranks = competition_ranks([(s["days_met"], s["days_measured"]) for s in standings])
    results = [{
        "rank": rank, "user": s["user"], "days_met": s["days_met"], "days_measured": s["days_measured"],
        "days_elapsed": elapsed, "progress_pct": round(100 * s["days_met"] / elapsed, 1) if elapsed else 0.0,
        "is_me": s["user_id"] == who.user_id,
    } for rank, s in zip(ranks, standings)]
    return {"challenge_id": challenge_id, "status": status_on(row, today), "as_of": today, "results": results}
