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
from dataclasses import dataclass
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


# ---------------------------------------------------------------- DRF-style pages: next and previous links
# Django REST Framework's CursorPagination answers ``{"next": url, "previous": url, "results": [...]}``
# (DRF API guide, "Pagination", CursorPagination): each link is the request's own URL with its
# ``cursor`` query parameter replaced. A keyset cursor here also says its direction: ``after`` the
# key (the next page) or ``before`` it (the previous page), so both links work on keyset order.


@dataclass(frozen=True)
class Keyset:
    """A decoded keyset cursor: the sort key ``(at, id)`` of a row, and which side of it the page is
    (``before`` False: rows after it, the next page; True: rows before it, the previous page)."""

    at: datetime
    id: UUID
    before: bool = False


def encode_keyset(at: datetime, row_id: UUID, *, before: bool = False) -> str:
    """Encode a :class:`Keyset` as an opaque cursor (a next-page one is :func:`encode_cursor`'s)."""
    return _b64(f"<{at.isoformat()}|{row_id}") if before else encode_cursor(at, row_id)


def decode_keyset(cursor: str | None) -> Keyset | None:
    """Decode a cursor from :func:`encode_keyset` (or :func:`encode_cursor`); None for no cursor.

    Raises:
        BadRequest: (``invalid_cursor``) the cursor was not made by this API.
    """
    if not cursor:
        return None
    try:
        raw = _unb64(cursor)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _invalid() from exc
    before = raw.startswith("<")
    found = decode_cursor(_b64(raw[1:]) if before else cursor) if raw[before:] else None
    if found is None:
        raise _invalid()
    return Keyset(found[0], found[1], before)


def keyset_sql(at_column: str, id_column: str, key: Keyset | None, *, descending: bool = False) -> tuple[str, str, tuple[Any, ...]]:
    """The ``WHERE`` condition, ``ORDER BY`` list and parameters that fetch one page in keyset order.

    The list is ordered by ``(at_column, id_column)`` ascending (``descending`` for newest first).
    A previous-page cursor fetches backwards (the order reversed); :func:`keyset_page` puts those
    rows back in the list's order. Fetch ``limit + 1`` rows. Column names are trusted SQL text
    (constants of the repository, never input); the key goes in the parameters.

    Returns:
        ``(condition, order_by, params)``: condition is ``TRUE`` without a cursor.
    """
    backwards = bool(key and key.before)
    ascending = descending == backwards  # the fetch order
    order = "ASC" if ascending else "DESC"
    order_by = f"{at_column} {order}, {id_column} {order}"
    if key is None:
        return "TRUE", order_by, ()
    return f"({at_column}, {id_column}) {'>' if ascending else '<'} (%s, %s)", order_by, (key.at, key.id)


def keyset_page(rows: Sequence[dict[str, Any]], limit: int, key: Keyset | None, sort_field: str = "created_at",
                ) -> tuple[list[dict[str, Any]], str | None, str | None]:
    """Split ``limit + 1`` rows fetched as :func:`keyset_sql` says into the page (in the list's order)
    and the cursors of the next and previous pages (None when there is none).

    The first page (no cursor) has no previous page. A page reached through a next cursor has a
    previous one (its first row's key, backwards); a page reached backwards has a next one.
    """
    more = len(rows) > limit
    items = list(rows[:limit])
    backwards = bool(key and key.before)
    if backwards:
        items.reverse()
    if not items:
        return items, None, None
    first, last = items[0], items[-1]
    has_next = more if not backwards else True
    has_previous = (key is not None) if not backwards else more
    next_cursor = encode_keyset(last[sort_field], last["id"]) if has_next else None
    previous_cursor = encode_keyset(first[sort_field], first["id"], before=True) if has_previous else None
    return items, next_cursor, previous_cursor


def page_url(request: Any, cursor: str | None) -> str | None:
    """The absolute URL of the page at ``cursor``: the request's URL with ``cursor`` replaced (None
    for no cursor).

    Behind API Gateway the URL is rebuilt from the event (``Host``, ``X-Forwarded-Proto`` and
    ``rawPath``, which keeps the custom domain's base path, e.g. ``/wellness``, that Mangum strips
    from the app's path); elsewhere it is the request's own URL.

    Args:
        request: the Starlette request.
    """
    if cursor is None:
        return None
    from urllib.parse import parse_qsl, urlencode

    query = [(k, v) for k, v in parse_qsl(request.url.query, keep_blank_values=True) if k != "cursor"]
    query.append(("cursor", cursor))
    event = request.scope.get("aws.event") or {}
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    if event.get("rawPath") and headers.get("host"):
        scheme = headers.get("x-forwarded-proto", "https").split(",")[0].strip()
        return f"{scheme}://{headers['host']}{event['rawPath']}?{urlencode(query)}"
    return str(request.url.replace(query=urlencode(query)))


def links(request: Any, next_cursor: str | None, previous_cursor: str | None) -> dict[str, str | None]:
    """``{"next": url, "previous": url}`` of a DRF-style page (:func:`page_url` of each cursor)."""
    return {"next": page_url(request, next_cursor), "previous": page_url(request, previous_cursor)}
