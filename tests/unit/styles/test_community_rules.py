"""Unit tests of the community rules with no I/O: the LIKE escaping of tag search, the comment
body's bounds, the feed's cursors, the rate limits' settings."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError


@pytest.mark.parametrize(("text", "pattern"), [
    ("water", "water%"), ("50%", "50\\%%"), ("a_b", "a\\_b%"), ("back\\slash", "back\\\\slash%"), ("%_\\", "\\%\\_\\\\%"),
])
def test_search_text_is_a_literal_like_prefix(text: str, pattern: str) -> None:
    from styles.community.tags import like_prefix

    assert like_prefix(text) == pattern


def test_comment_content_is_1_to_500_characters_without_nul() -> None:
    from styles.community.schemas import CommentCreate

    assert CommentCreate(content="  hi  ").content == "hi"
    assert len(CommentCreate(content="é" * 500).content) == 500
    for bad in ("x" * 501, "", "   ", "a\x00b"):
        with pytest.raises(ValidationError):
            CommentCreate(content=bad)
    with pytest.raises(ValidationError):
        CommentCreate(content="ok", extra=1)


def test_most_liked_cursor_round_trips_and_refuses_a_newest_cursor() -> None:
    from backlot.errors import BadRequest
    from backlot.pagination import encode_cursor

    from styles.community import feed

    row = {"like_count": 7, "created_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "id": uuid.uuid4()}
    cursor = feed._encode_liked(row)
    assert feed._decode("most_liked", cursor) == (7, row["created_at"], row["id"])
    assert feed._decode("newest", encode_cursor(row["created_at"], row["id"])) == (row["created_at"], row["id"])
    with pytest.raises(BadRequest):
        feed._decode("most_liked", encode_cursor(row["created_at"], row["id"]))
    with pytest.raises(BadRequest):
        feed._decode("newest", cursor)


def test_rate_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from styles.community.ratelimit import RateLimits

    monkeypatch.setenv("COMMUNITY_COMMENTS", "3")
    limits = RateLimits()
    assert (limits.limit("comment"), limits.limit("like"), limits.limit("follow"), limits.window_s) == (3, 60, 30, 60)
