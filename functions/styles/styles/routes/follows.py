"""Follows (design document 004, M5-Community-API): follow or unfollow an artist, list whom you follow."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from backlot.pagination import Cursor
from fastapi import APIRouter

from styles.community.schemas import FollowingPage, FollowToggled
from styles.deps import PAGE_SIZE, CurrentUser, PageSize
from styles.http_api import API, Success, ok

router = APIRouter(prefix="/api", tags=["follows"])


@router.post("/artists/{artist_id}/follow", response_model=Success[FollowToggled], responses=API.errors(400, 404, 429))
def follow_artist(artist_id: UUID, who: CurrentUser) -> dict[str, Any]:
    """Follow the artist, or unfollow if already following; ``is_following`` and their ``follower_count``.

    Raises:
        400 cannot_follow_yourself, 404 artist_not_found, 429 too_many_requests (``Retry-After``).
    """
    from styles.community import social

    return ok(social.toggle_follow(who, artist_id))


@router.get("/users/following", response_model=Success[FollowingPage], responses=API.errors(400))
def list_following(who: CurrentUser, cursor: Cursor = None, limit: PageSize = PAGE_SIZE) -> dict[str, Any]:
    """The artists the caller follows, newest follow first, with their follower counts; 20 per page.

    Raises:
        400 invalid_cursor.
    """
    from styles.community import social

    return ok(social.list_following(who.user_id, cursor=cursor, limit=limit))
