"""DRF-style keyset pages (``backlot.pagination``): cursors with a direction, the SQL order and
condition, the split into a page with next and previous cursors, and the links."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from backlot.errors import BadRequest
from backlot.pagination import Keyset, decode_keyset, encode_cursor, encode_keyset, keyset_page, keyset_sql, page_url

T0 = datetime(2024, 1, 1, tzinfo=UTC)
ROWS = [{"id": uuid.UUID(int=i + 1), "created_at": T0 + timedelta(minutes=i)} for i in range(7)]


def _fetch(key: Keyset | None, limit: int) -> list[dict]:
    """What the SQL of keyset_sql returns, simulated in Python (ascending list order)."""
    cond, order, params = keyset_sql("created_at", "id", key)
    rows = sorted(ROWS, key=lambda r: (r["created_at"], r["id"]), reverse="DESC" in order)
    if params:
        at, row_id = params
        after = ">" in cond
        rows = [r for r in rows if ((r["created_at"], r["id"]) > (at, row_id) if after else (r["created_at"], r["id"]) < (at, row_id))]
    return rows[: limit + 1]


def _walk(limit: int) -> list[list[int]]:
    pages, key = [], None
    while True:
        items, nxt, _ = keyset_page(_fetch(key, limit), limit, key)
        pages.append([r["id"].int for r in items])
        if nxt is None:
            return pages
        key = decode_keyset(nxt)


def test_forward_walk_visits_every_row_once() -> None:
    assert _walk(3) == [[1, 2, 3], [4, 5, 6], [7]]
    assert _walk(7) == [[1, 2, 3, 4, 5, 6, 7]]


def test_previous_cursor_goes_back_to_the_same_page() -> None:
    first, nxt, prev = keyset_page(_fetch(None, 3), 3, None)
    assert prev is None
    key = decode_keyset(nxt)
    second, nxt2, prev2 = keyset_page(_fetch(key, 3), 3, key)
    back_key = decode_keyset(prev2)
    assert back_key.before
    back, back_next, back_prev = keyset_page(_fetch(back_key, 3), 3, back_key)
    assert back == first and back_prev is None and decode_keyset(back_next) == Keyset(first[-1]["created_at"], first[-1]["id"])
    # back from the last page lands on the middle one, which has both neighbours
    last_key = decode_keyset(nxt2)
    last, _, prev3 = keyset_page(_fetch(last_key, 3), 3, last_key)
    middle_key = decode_keyset(prev3)
    middle, n, p = keyset_page(_fetch(middle_key, 3), 3, middle_key)
    assert middle == second and n and p


def test_descending_lists_flip_the_order() -> None:
    assert keyset_sql("at", "id", None, descending=True)[1] == "at DESC, id DESC"
    key = Keyset(T0, uuid.UUID(int=1), before=True)
    cond, order, _ = keyset_sql("at", "id", key, descending=True)
    assert order == "at ASC, id ASC" and ">" in cond


def test_cursors_round_trip_and_old_cursors_still_decode() -> None:
    key = Keyset(T0, uuid.UUID(int=5), before=True)
    assert decode_keyset(encode_keyset(key.at, key.id, before=True)) == key
    assert decode_keyset(encode_cursor(T0, uuid.UUID(int=5))) == Keyset(T0, uuid.UUID(int=5), False)
    for bad in ("bm9wZQ", "PA", "A"):
        with pytest.raises(BadRequest):
            decode_keyset(bad)


class _Url:
    def __init__(self, query: str) -> None:
        self.query = query

    def replace(self, query: str) -> str:
        return f"http://testserver/api/devices/?{query}"


class _Request:
    def __init__(self, query: str, event: dict | None = None) -> None:
        self.url = _Url(query)
        self.scope = {"aws.event": event} if event else {}


def test_links_keep_the_query_and_the_base_path() -> None:
    event = {"rawPath": "/wellness/api/devices/", "headers": {"Host": "api.example.com", "X-Forwarded-Proto": "https"}}
    url = page_url(_Request("platform=ios&cursor=old&limit=2", event), "NEW")
    assert url == "https://api.example.com/wellness/api/devices/?platform=ios&limit=2&cursor=NEW"
    assert page_url(_Request("limit=2"), "C") == "http://testserver/api/devices/?limit=2&cursor=C"
    assert page_url(_Request("limit=2", event), None) is None
