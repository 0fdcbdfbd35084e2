"""Keyset pagination (ARCHITECTURE.md: lists page with keyset cursors, never unbounded).

A cursor is an opaque URL-safe string encoding the sort key ``(timestamp, uuid)`` of the last row
of a page; the next page starts strictly after it.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from backlot.errors import BadRequest

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def encode_cursor(at: datetime, row_id: UUID) -> str:
    """Encode ``(at, row_id)`` as an opaque cursor."""
    raw = f"{at.isoformat()}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, UUID] | None:
    """Decode a cursor from :func:`encode_cursor`; None for no cursor.

    Raises:
        BadRequest: (``invalid_cursor``) the cursor was not made by this API.
    """
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, row_id = raw.split("|")
        return datetime.fromisoformat(at), UUID(row_id)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("cursor is not valid; use next_cursor from the previous page", code="invalid_cursor") from exc


def page(rows: Sequence[dict[str, Any]], limit: int, sort_field: str) -> tuple[list[dict[str, Any]], str | None]:
    """Split ``limit + 1`` fetched rows into the page and the next cursor (None on the last page)."""
    items = list(rows[:limit])
    if len(rows) > limit and items:
        last = items[-1]
        return items, encode_cursor(last[sort_field], last["id"])
    return items, None
