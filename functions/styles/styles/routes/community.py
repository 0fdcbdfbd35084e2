"""The community feed and its images (design document 004, M5-Community-API): the feed, one image,
its visibility (the owner's choice), likes."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from backlot.auth import Principal
from backlot.http import OptionalPrincipal
from backlot.pagination import Cursor
from fastapi import APIRouter

from styles.community.schemas import FeedPage, ImageDetail, LikeToggled, VisibilityChanged, VisibilityUpdate
from styles.deps import PAGE_SIZE, CurrentUser, PageSize
from styles.http_api import API, Success, ok

router = APIRouter(prefix="/api", tags=["community"])


@router.get("/community/feed", response_model=Success[FeedPage], responses=API.errors(400))
def get_community_feed(sort: Literal["newest", "most_liked"] = "newest",
                       period: Literal["day", "week", "month", "all"] = "all",
                       cursor: Cursor = None, limit: PageSize = PAGE_SIZE,
                       who: Principal | None = OptionalPrincipal) -> dict[str, Any]:
    """Public generated images, newest first (or ``sort=most_liked``), among those created in the
    last ``period``; 20 per page with like and comment counts. Public: ``is_liked_by_current_user``
    and ``is_owner`` are false without a token.

    Raises:
        400 invalid_cursor, 401 unauthorized (a token was sent and is invalid).
    """
    from styles.community import feed

    return ok(feed.feed_page(viewer=who.user_id if who else None, sort=sort, period=period, cursor=cursor, limit=limit))


@router.get("/images/{generation_id}", response_model=Success[ImageDetail], responses=API.errors(404))
def get_image(generation_id: UUID, who: Principal | None = OptionalPrincipal) -> dict[str, Any]:
    """One generated image with its counts, artist and ``is_liked_by_current_user``.

    Raises:
        404 image_not_found (absent, unfinished, or private and not the caller's), 401 unauthorized
        (a token was sent and is invalid). Public images need no token.
    """
    from styles.community import feed

    return ok(feed.get_image(viewer=who.user_id if who else None, image_id=generation_id))


@router.patch("/images/{generation_id}/visibility", response_model=Success[VisibilityChanged],
              responses=API.errors(403, 404))
def set_image_visibility(generation_id: UUID, body: VisibilityUpdate, who: CurrentUser) -> dict[str, Any]:
    """Share an image of the caller's in the feed (``public``) or hide it (``private``, the default).

    Raises:
        403 not_owner (another's public image), 404 image_not_found.
    """
    from styles.community import feed

    return ok(feed.set_visibility(owner=who.user_id, image_id=generation_id, visibility=body.visibility))


@router.post("/images/{generation_id}/like", response_model=Success[LikeToggled], responses=API.errors(404, 429))
def like_image(generation_id: UUID, who: CurrentUser) -> dict[str, Any]:
    """Like the image, or unlike it if already liked; the new ``like_count`` and ``is_liked``.

    Raises:
        404 image_not_found, 429 too_many_requests (``Retry-After``).
    """
    from styles.community import social

    return ok(social.toggle_like(who, generation_id))
