"""Friend connection use cases (issue 11 item 7): request, accept, decline, remove, block; list
and retrieve as each side sees them.

How a user finds another: by the other's user id (``id`` of ``GET /api/accounts/users/me/``),
which that user shares (a link or QR code in a client). A random UUID cannot be guessed or
enumerated, unlike a lookup by e-mail (which would tell anyone whether an address has an account),
and it needs no new table; a user who receives unwanted requests blocks the sender.

Errors: a connection the caller is not part of (or is the blocked side of) is a 404
``friend_connection_not_found``; an action the caller's side may not take is a 403
``not_addressee``; an action the status does not allow is a 409 ``connection_not_pending``.

Blocks live in ``wellness.blocks`` (:mod:`wellness.social.blocks`, which says what a block does);
blocking through a connection and unblocking by removing it write the same rows. A request counts
against the sender's limits (:mod:`wellness.limits`: 429 beyond) and takes the pair's lock,
the lock a block takes, so a block and a request at once never leave a friendship or a request.
"""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from backlot import db
from backlot.auth import Principal
from backlot.errors import BadRequest, Conflict, Forbidden, NotFound
from backlot.pagination import decode_keyset, keyset_page

from wellness import limits
from wellness.errors import Code
from wellness.notifications.events import Event, notify
from wellness.repository import accounts as accounts_repo
from wellness.settings import get_settings
from wellness.social import blocks as blocks_service
from wellness.social import blocks_sql
from wellness.social import friends_sql as sql
from wellness.social.rules import RequestOutcome, on_request, visible_to


def _not_found() -> NotFound:
    return NotFound("friend connection not found", code=Code.friend_connection_not_found)


def _no_user() -> NotFound:
    return NotFound("user not found", code=Code.user_not_found)


def _blocked_by_me() -> Conflict:
    return Conflict("you blocked this user; unblock them first (DELETE /api/social/blocks/{user_id}/)",
                    code=Code.user_blocked)


def _other(row: dict[str, Any], me: UUID) -> UUID:
    return row["addressee_id"] if row["requester_id"] == me else row["requester_id"]


def request_friend(who: Principal, other: UUID) -> tuple[dict[str, Any], bool]:
    """Ask ``other`` to be friends: returns (connection, created).

    A duplicate is answered with the connection as it stands (idempotent); a crossed request
    accepts the other's pending one; a declined one is asked again. Both users asking each other
    at once end as one accepted connection (the pair's unique row and its lock).

    Raises:
        BadRequest: ``user_id`` is the caller (``cannot_befriend_self``).
        NotFound: ``user_not_found``, no wellness user with that id, or one who blocked the caller.
        Conflict: ``user_blocked``, the caller blocked that user (remove the block first).
        TooManyRequests: the caller's friend-request limits (429 with ``Retry-After``).
    """
    if other == who.user_id:
        raise BadRequest("you cannot befriend yourself", code=Code.cannot_befriend_self,
                         fields=[{"field": "user_id", "message": "you cannot befriend yourself"}])
    with db.transaction() as conn:
        accounts_repo.ensure_profile(conn, who.user_id, get_settings().default_time_zone)
        limits.take(conn, who.user_id, "friend_request")
        if not sql.has_profile(conn, other):
            raise _no_user()
        blocks_sql.lock_pair(conn, who.user_id, other)
        i_block, blocks_me = blocks_sql.state(conn, who.user_id, other)
        if blocks_me:
            raise _no_user()
        if i_block:
            raise _blocked_by_me()
        row, created = sql.insert_or_lock_pair(conn, uuid.uuid4(), who.user_id, other)
        outcome = RequestOutcome.CREATE if created else on_request(row, who.user_id)
        if outcome is RequestOutcome.HIDDEN:
            raise _no_user()
        if outcome is RequestOutcome.BLOCKED_BY_ME:
            raise _blocked_by_me()
        if outcome is RequestOutcome.ACCEPT:
            sql.set_status(conn, row["id"], "accepted")
        elif outcome is RequestOutcome.RENEW:
            sql.set_status(conn, row["id"], "pending", requester=who.user_id)
        notify_outcome(conn, outcome, row["id"], who.user_id, other)
        return sql.get(conn, who.user_id, row["id"]), created  # type: ignore[return-value]


def notify_outcome(conn: Any, outcome: RequestOutcome, connection_id: UUID, me: UUID, other: UUID) -> None:
    """The notification of a request (same transaction): a new or renewed request is
    ``friend_request.received`` by the other user; a crossed request accepts theirs
    (``friend_request.accepted``); a duplicate notifies nobody."""
    event = {RequestOutcome.CREATE: Event.friend_request_received, RequestOutcome.RENEW: Event.friend_request_received,
             RequestOutcome.ACCEPT: Event.friend_request_accepted}.get(outcome)
    if event is not None:
        notify(conn, other, event, {"connection_id": connection_id, "user_id": me})


def _locked_visible(conn: Any, who: Principal, connection_id: UUID) -> dict[str, Any]:
    row = sql.lock(conn, connection_id)
    if row is None or not visible_to(row, who.user_id):
        raise _not_found()
    return row


def _pair_locked_visible(conn: Any, who: Principal, connection_id: UUID) -> dict[str, Any]:
    """The connection under the pair's lock, then its row lock (the order a request takes them,
    so a block and a request never wait on each other in a cycle). Raises NotFound."""
    row = sql.lock(conn, connection_id, for_update=False)
    if row is None or not visible_to(row, who.user_id):
        raise _not_found()
    blocks_sql.lock_pair(conn, row["requester_id"], row["addressee_id"])
    return _locked_visible(conn, who, connection_id)


def respond(who: Principal, connection_id: UUID, accept: bool) -> dict[str, Any]:
    """Accept or decline a request made to the caller. Accepting an accepted connection (or
    declining a declined one) again answers it as it is (retries are harmless).

    Raises:
        NotFound: not the caller's connection.
        Forbidden: ``not_addressee``, the caller made the request (only the other side answers it).
        Conflict: ``connection_not_pending``, the connection is in another status.
    """
    target = "accepted" if accept else "declined"
    with db.transaction() as conn:
        row = _locked_visible(conn, who, connection_id)
        if row["status"] != target or row["addressee_id"] != who.user_id:
            if row["addressee_id"] != who.user_id:
                raise Forbidden("only the user who was asked can answer this request", code=Code.not_addressee)
            if row["status"] != "pending":
                raise Conflict(f"the connection is {row['status']}, not pending", code=Code.connection_not_pending)
            sql.set_status(conn, connection_id, target)
            if accept:
                notify(conn, row["requester_id"], Event.friend_request_accepted,
                       {"connection_id": connection_id, "user_id": who.user_id})
        return sql.get(conn, who.user_id, connection_id)  # type: ignore[return-value]


def block(who: Principal, connection_id: UUID) -> dict[str, Any]:
    """Block the other user of the connection (either side, any status): they can send no further
    request and no longer see the connection (their request is answered as if the caller did not
    exist); visits between the two end. Blocking again is harmless; it is the block of ``POST
    /api/social/blocks/`` (:func:`wellness.social.blocks.apply`). Raises NotFound."""
    with db.transaction() as conn:
        row = _pair_locked_visible(conn, who, connection_id)
        blocks_service.apply(conn, who.user_id, _other(row, who.user_id))
        return sql.get(conn, who.user_id, connection_id)  # type: ignore[return-value]


def remove(who: Principal, connection_id: UUID) -> None:
    """Delete the connection (either side: unfriend, withdraw a request, forget a declined one;
    the blocker: unblock, as ``DELETE /api/social/blocks/{user_id}/`` does). Raises NotFound, also
    for the blocked user."""
    with db.transaction() as conn:
        row = _pair_locked_visible(conn, who, connection_id)
        if row["status"] == "blocked":
            blocks_service.release(conn, who.user_id, _other(row, who.user_id))
        else:
            sql.delete(conn, connection_id)


def get(who: Principal, connection_id: UUID) -> dict[str, Any]:
    """One connection as the caller sees it. Raises NotFound."""
    with db.transaction() as conn:
        row = sql.get(conn, who.user_id, connection_id)
    if row is None:
        raise _not_found()
    return row


def list_connections(who: Principal, status: str | None, cursor: str | None, limit: int
                     ) -> tuple[list[dict[str, Any]], str | None, str | None]:
    """One page of the caller's connections (oldest first) and the next/previous cursors."""
    key = decode_keyset(cursor)
    with db.transaction() as conn:
        rows = sql.page(conn, who.user_id, status=status, key=key, limit=limit)
    return keyset_page(rows, limit, key)
