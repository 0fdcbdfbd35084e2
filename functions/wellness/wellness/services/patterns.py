"""Pattern use cases: reading what the analytics computation detected."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from backlot import db
from backlot.auth import Principal
from backlot.errors import NotFound
from backlot.pagination import decode_keyset, keyset_page

from wellness.errors import Code
from wellness.repository import patterns as repo


def list_patterns(who: Principal, status: str | None, pattern_type: str | None, cursor: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None, str | None]:
    """One page of the caller's patterns (newest first) and the cursors. Raises BadRequest (``invalid_cursor``)."""
    key = decode_keyset(cursor)
    with db.transaction() as conn:
        rows = repo.list_patterns(conn, who.user_id, status=status, pattern_type=pattern_type, key=key, limit=limit)
    return keyset_page(rows, limit, key)


def get_pattern(who: Principal, pattern_id: UUID) -> dict[str, Any]:
    """One pattern of the caller. Raises NotFound (``pattern_not_found``), also for another user's."""
    with db.transaction() as conn:
        row = repo.get_pattern(conn, who.user_id, pattern_id)
    if row is None:
        raise NotFound("pattern not found", code=Code.pattern_not_found)
    return row
