"""Keyset pagination, once for every product (ARCHITECTURE.md: lists page with keyset cursors,
never unbounded): the ``limit`` and ``cursor`` query parameters (:data:`Limit`, :data:`Cursor`),
the cursor encodings, and the split of ``limit + 1`` fetched rows into a page.

A cursor is opaque to clients: unpadded URL-safe base64 (RFC 4648 section 5) of either the sort key
``(timestamp, uuid)`` of the last row of a page (:func:`encode_cursor`), or a position in a fixed
order (:func:`encode_position`). The next page starts strictly after it. The schema says the
alphabet (:data:`CURSOR_PATTERN`); a cursor of that alphabet that this API did not make is a 400
``invalid_cursor``.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import Query

from backlot.errors import BadRequest, PlatformCode

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
CURSOR_MAX_LENGTH = 200
CURSOR_PATTERN = r"^[A-Za-z0-9_-]+$"
"""Unpadded URL-safe base64 (RFC 4648 section 5), what every cursor of this API is."""

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"rows per page, 1..{MAX_LIMIT}")]
"""Query parameter ``limit`` of a keyset-paged list: 1..``MAX_LIMIT`` rows (default ``DEFAULT_LIMIT``)."""
Cursor = Annotated[
    str | None,
    Query(min_length=1, max_length=CURSOR_MAX_LENGTH, pattern=CURSOR_PATTERN,
          description="`next_cursor` of the previous page (opaque); absent for the first page"),
]
"""Query parameter ``cursor`` of a keyset-paged list (opaque; from ``next_cursor``)."""


def _invalid() -> BadRequest:
    return BadRequest("cursor is not valid; use next_cursor from the previous page", code=PlatformCode.invalid_cursor,
                      fields=[{"field": "cursor", "message": "not a cursor of this list"}])


def _b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _unb64(cursor: str) -> str:
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()


def encode_cursor(at: datetime, row_id: UUID) -> str:
    """Encode ``(at, row_id)`` as an opaque cursor."""
    return _b64(f"{at.isoformat()}|{row_id}")


def decode_cursor(cursor: str | None) -> tuple[datetime, UUID] | None:
    """Decode a cursor from :func:`encode_cursor`; None for no cursor.

    Raises:
        BadRequest: (``invalid_cursor``) the cursor was not made by this API.
    """
    if not cursor:
        return None
    try:
        at, row_id = _unb64(cursor).split("|")
        when = datetime.fromisoformat(at)
        if when.tzinfo is None:
            raise ValueError(at)
        return when, UUID(row_id)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _invalid() from exc


def encode_position(position: int) -> str:
    """Encode a position in a fixed order (``>= 0``) as an opaque cursor."""
    return _b64(f"p{position}")


def decode_position(cursor: str | None) -> int | None:
    """Decode a cursor from :func:`encode_position`; None for no cursor.

    Raises:
        BadRequest: (``invalid_cursor``) the cursor was not made by this API.
    """
    if not cursor:
        return None
    try:
        raw = _unb64(cursor)
        if not raw.startswith("p") or not (raw[1:].isascii() and raw[1:].isdigit()) or len(raw) > 11:
            raise ValueError(raw)
        return int(raw[1:])
    except (ValueError, UnicodeDecodeError) as exc:
        raise _invalid() from exc


def page(rows: Sequence[dict[str, Any]], limit: int, sort_field: str) -> tuple[list[dict[str, Any]], str | None]:
    """Split ``limit + 1`` fetched rows into the page and the next cursor (None on the last page)."""
    items = list(rows[:limit])
    if len(rows) > limit and items:
        last = items[-1]
        return items, encode_cursor(last[sort_field], last["id"])
    return items, None
