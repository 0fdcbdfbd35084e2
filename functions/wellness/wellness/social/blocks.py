"""Blocks (issue 11 item 7): a user blocks another by user id, with or without a friend connection.

What a block between A and B does, whoever blocked whom (docs/decisions.md "Wellness: what a block
does"):

- friends: it ends the pair's friendship, pending or declined request (the connection becomes
  ``blocked``, seen by the blocker only); the blocked user's request to the blocker is answered
  404 ``user_not_found`` as if the blocker did not exist; the blocker's own request is a 409
  ``user_blocked`` until they unblock;
- visits: every pending or active visit between them ends; neither can propose or accept a new one
  (they are no longer friends);
- challenges: neither appears on the other's leaderboard nor in the participant count the other
  sees; the blocked user no longer sees the blocker's challenges through the friendship (one they
  joined stays theirs, without the blocker on its board).

Unblocking removes the block and the ``blocked`` connection the block made (they may ask again
unless the other user blocks the caller too; nothing is restored). Every step is idempotent, and
runs under the pair's lock (:func:`blocks_sql.lock_pair`), the lock a friend request and a visit
proposal of the same two users take: a block and a request at the same moment end, after both
commit, with no friendship and no pending request.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg

from backlot import db
from backlot.auth import Principal
from backlot.errors import BadRequest, NotFound
from backlot.pagination import decode_keyset, keyset_page

from wellness.errors import Code
from wellness.repository import accounts as accounts_repo
from wellness.settings import get_settings
from wellness.social import blocks_sql as sql
from wellness.social import friends_sql, visits_sql


def apply(conn: psycopg.Connection, me: UUID, other: UUID) -> bool:
    """Block ``other`` inside the caller's transaction (the pair's lock held): the block row, the
    pair's connection ``blocked`` (unless the other already blocks it), visits between them ended.
    Returns whether the block is new."""
    created = sql.insert(conn, me, other)
    row = friends_sql.lock_pair_row(conn, me, other)
    if row is not None and row["status"] != "blocked":
        friends_sql.set_status(conn, row["id"], "blocked", blocked_by=me)
    visits_sql.end_between(conn, me, other)
    return created


def release(conn: psycopg.Connection, me: UUID, other: UUID) -> None:
    """Remove the caller's block of ``other`` inside the caller's transaction (the pair's lock
    held). The pair's ``blocked`` connection goes too, also when ``other`` blocks the caller as
    well: their block stays in force (``wellness.blocks`` is what stops requests and visits), but
    the connection is not handed over to them. Handed over, it reappeared in their list (status
    ``blocked``) the moment the caller unblocked them: they learnt they had been blocked, where a
    user who had been removed instead sees nothing (whostile finding)."""
    sql.delete(conn, me, other)
    row = friends_sql.lock_pair_row(conn, me, other)
    if row is None or row["status"] != "blocked" or row["blocked_by"] != me:
        return
    friends_sql.delete(conn, row["id"])


def block(who: Principal, other: UUID) -> tuple[dict[str, Any], bool]:
    """``POST /api/social/blocks/``: block ``other``; returns (the block, created). Blocking again
    is the same block (200).

    Raises:
        BadRequest: naming ``user_id``, the caller.
        NotFound: ``user_not_found``, no wellness user with that id.
    """
    if other == who.user_id:
        raise BadRequest("you cannot block yourself", code=Code.cannot_block_self,
                         fields=[{"field": "user_id", "message": "you cannot block yourself"}])
    with db.transaction() as conn:
        accounts_repo.ensure_profile(conn, who.user_id, get_settings().default_time_zone)
        if not friends_sql.has_profile(conn, other):
            raise NotFound("user not found", code=Code.user_not_found)
        sql.lock_pair(conn, who.user_id, other)
        created = apply(conn, who.user_id, other)
        return sql.get(conn, who.user_id, other), created  # type: ignore[return-value]


def unblock(who: Principal, other: UUID) -> None:
    """``DELETE /api/social/blocks/{user_id}/``: remove the caller's block (none: nothing to do)."""
    with db.transaction() as conn:
        sql.lock_pair(conn, who.user_id, other)
        release(conn, who.user_id, other)


def list_blocks(who: Principal, cursor: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None, str | None]:
    """One page of the users the caller blocks (oldest block first) and the next/previous cursors."""
    key = decode_keyset(cursor)
    with db.transaction() as conn:
        rows = sql.page(conn, who.user_id, key=key, limit=limit)
    return keyset_page(rows, limit, key)
