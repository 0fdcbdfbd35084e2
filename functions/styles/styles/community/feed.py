"""The community feed, one image, and an image's visibility (design document 004,
M5-Community-API).

* feed: public finished generations, newest first (``sort=newest``) or most liked
  (``sort=most_liked``) among those created in the last ``period`` (``day``, ``week``, ``month``;
  ``all``), 20 per page, each with its artist (who generated it), style model, like and comment
  counts and ``is_liked_by_current_user``. The ``most_liked`` cursor holds the last like count it
  showed: likes arriving while a reader pages may move an image across the page boundary (shown
  twice or not at all), the usual trade of keyset paging over a changing order.
* one image: the same fields; 404 ``image_not_found`` when absent, unfinished, or private and not
  the caller's.
* visibility: the owner sets ``public`` or ``private`` (new generations are private).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from backlot import db, storage
from backlot.errors import BadRequest, Forbidden, NotFound, PlatformCode
from backlot.pagination import decode_cursor, encode_cursor

from styles.community import repository as repo
from styles.errors import Code
from styles.gpu_settings import get_gpu_settings

PERIODS = {"day": timedelta(days=1), "week": timedelta(days=7), "month": timedelta(days=30), "all": None}


def image_not_found(image_id: UUID) -> NotFound:
    """404 ``image_not_found``: absent, unfinished, or private and not the caller's (the same answer
    for each, so a private image's existence does not leak)."""
    return NotFound(f"image {image_id} not found", code=Code.image_not_found)


def _image_url(row: dict[str, Any]) -> str | None:
    if row["image_key"]:
        return storage.presigned_get(get_gpu_settings().artworks_bucket, row["image_key"])
    return row["image_url"]


def public(row: dict[str, Any], viewer: UUID | None) -> dict[str, Any]:
    """A ``repository.feed``/``image`` row in ``ImageDetail``'s shape."""
    return {
        "id": row["id"], "image_url": _image_url(row), "prompt_tags": row["prompt_tags"],
        "aspect_ratio": row["aspect_ratio"],
        "artist": {"id": row["user_id"], "username": row["artist_name"], "profile_image": row["artist_profile_image"]},
        "style_model": {"id": row["style_model_id"], "name": row["style_name"]},
        "like_count": row["like_count"], "comment_count": row["comment_count"],
        "is_liked_by_current_user": row["liked"], "created_at": row["created_at"],
        "visibility": row["visibility"], "is_owner": row["user_id"] == viewer,
    }


def _encode_liked(row: dict[str, Any]) -> str:
    raw = f"L|{row['like_count']}|{row['created_at'].isoformat()}|{row['id']}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(sort: str, cursor: str | None) -> tuple | None:
    if not cursor:
        return None
    if sort == "newest":
        return decode_cursor(cursor)
    try:
        kind, likes, at, row_id = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split("|")
        if kind != "L":
            raise ValueError(kind)
        return int(likes), datetime.fromisoformat(at), UUID(row_id)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("cursor is not one this list made (or was made for another sort)",
                         code=PlatformCode.invalid_cursor,
                         fields=[{"field": "cursor", "message": "not a cursor of this list"}]) from None


def feed_page(*, viewer: UUID | None, sort: str, period: str, cursor: str | None, limit: int) -> dict[str, Any]:
    """``{"items", "next_cursor"}`` of the feed (see the module docstring).

    Raises:
        BadRequest: (400 ``invalid_cursor``) a cursor this list did not make, or made for another sort.
    """
    after = _decode(sort, cursor)
    span = PERIODS[period]
    since = datetime.now(UTC) - span if span else None
    with db.transaction() as conn:
        rows = repo.feed(conn, viewer=viewer, sort=sort, since=since, after=after, limit=limit + 1)
    items = rows[:limit]
    next_cursor = None
    if len(rows) > limit and items:
        last = items[-1]
        next_cursor = _encode_liked(last) if sort == "most_liked" else encode_cursor(last["created_at"], last["id"])
    return {"items": [public(r, viewer) for r in items], "next_cursor": next_cursor}


def get_image(*, viewer: UUID | None, image_id: UUID) -> dict[str, Any]:
    """One image the viewer may see.

    Raises:
        NotFound: (404 ``image_not_found``) see :func:`image_not_found`.
    """
    with db.transaction() as conn:
        row = repo.image(conn, viewer=viewer, image_id=image_id)
    if row is None:
        raise image_not_found(image_id)
    return public(row, viewer)


def set_visibility(*, owner: UUID, image_id: UUID, visibility: str) -> dict[str, Any]:
    """Share or hide the owner's image; ``{"id", "visibility"}``.

    Raises:
        NotFound: (404 ``image_not_found``) no such image, or another's private one.
        Forbidden: (403 ``not_owner``) another user's public image.
    """
    with db.transaction() as conn:
        row = repo.set_visibility(conn, owner=owner, image_id=image_id, visibility=visibility)
        if row is None:
            other = repo.image_owner(conn, image_id)
            if other is not None and other["visibility"] == "public" and other["status"] == "completed":
                raise Forbidden("only the image's owner can change its visibility", code=Code.not_owner)
            raise image_not_found(image_id)
    return row
