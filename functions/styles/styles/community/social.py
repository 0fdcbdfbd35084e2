"""Likes, comments and follows (design document 004, M5-Community-API), each with its rate limit
(:mod:`styles.community.ratelimit`) and its notification (:mod:`styles.community.alerts`), all in
one transaction per request: the action, its counter, its rate-limit row and its notification
commit together or not at all.
"""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from backlot import db
from backlot.auth import Principal
from backlot.errors import BadRequest, Forbidden, NotFound
from backlot.pagination import decode_cursor, page

from styles.community import alerts, ratelimit, repository as repo
from styles.community.feed import image_not_found
from styles.errors import Code
from styles.members import ensure_member


def toggle_like(who: Principal, image_id: UUID) -> dict[str, Any]:
    """Like the image, or unlike it if the caller already does ("Toggle like"; "Unique constraint on
    (user_id, image_id)"); ``{"like_count", "is_liked"}``. Concurrent toggles of one image are
    serialised by the image's row lock, so ``like_count`` always equals the likes.

    Raises:
        NotFound: (404 ``image_not_found``) absent, unfinished, or another's private image.
        TooManyRequests: (429) over the like rate limit.
    """
    with db.transaction() as conn:
        ratelimit.take(conn, user_id=who.user_id, action="like")
        image = repo.lock_visible_image(conn, viewer=who.user_id, image_id=image_id)
        if image is None:
            raise image_not_found(image_id)
        is_liked, count = repo.toggle_like(conn, image_id=image_id, user_id=who.user_id)
        if is_liked:
            alerts.liked(conn, owner=image["user_id"], liker=who.user_id, image_id=image_id)
    return {"like_count": count, "is_liked": is_liked}


def _comment_public(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "image_id": row["image_id"], "content": row["content"], "created_at": row["created_at"],
            "author": {"id": row["user_id"], "username": row["author_name"], "profile_image": row["author_profile_image"]}}


def add_comment(who: Principal, image_id: UUID, content: str) -> dict[str, Any]:
    """Comment on an image the caller may see (1-500 characters, checked by the request model and
    by the table); the comment.

    Raises:
        NotFound (404 ``image_not_found``), TooManyRequests (429).
    """
    with db.transaction() as conn:
        ratelimit.take(conn, user_id=who.user_id, action="comment")
        image = repo.lock_visible_image(conn, viewer=who.user_id, image_id=image_id)
        if image is None:
            raise image_not_found(image_id)
        row = repo.insert_comment(conn, comment_id=uuid.uuid4(), image_id=image_id, user_id=who.user_id,
                                  content=content)
        alerts.commented(conn, owner=image["user_id"], author=who.user_id, author_name=row["author_name"] or
                         repo.display_name(conn, who.user_id), image_id=image_id, comment_id=row["id"],
                         content=content)
    return _comment_public(row)


def list_comments(viewer: UUID | None, image_id: UUID, *, cursor: str | None, limit: int) -> dict[str, Any]:
    """``{"items", "next_cursor"}``: the image's comments, oldest first.

    Raises:
        NotFound (404 ``image_not_found``), BadRequest (400 ``invalid_cursor``).
    """
    after = decode_cursor(cursor)
    with db.transaction() as conn:
        if repo.image(conn, viewer=viewer, image_id=image_id) is None:
            raise image_not_found(image_id)
        rows = repo.comments(conn, image_id=image_id, after=after, limit=limit + 1)
    items, next_cursor = page(rows, limit, "created_at")
    return {"items": [_comment_public(r) for r in items], "next_cursor": next_cursor}


def delete_comment(who: Principal, comment_id: UUID) -> None:
    """Delete a comment: its author, or an admin ("Check permission: owner or admin").

    Raises:
        NotFound: (404 ``comment_not_found``) no such comment (or already deleted).
        Forbidden: (403 ``not_comment_author``) someone else's comment and the caller is no admin.
    """
    with db.transaction() as conn:
        role = ensure_member(conn, who)
        row = repo.comment(conn, comment_id)
        if row is None:
            raise NotFound(f"comment {comment_id} not found", code=Code.comment_not_found)
        if row["user_id"] != who.user_id and role != "admin":
            raise Forbidden("only the comment's author or an admin can delete it", code=Code.not_comment_author)
        repo.lock_image(conn, row["image_id"])
        if not repo.delete_comment(conn, comment_id=comment_id, image_id=row["image_id"]):
            raise NotFound(f"comment {comment_id} not found", code=Code.comment_not_found)


def toggle_follow(who: Principal, artist_id: UUID) -> dict[str, Any]:
    """Follow the artist, or unfollow if the caller already does; ``{"is_following",
    "follower_count"}``. Anyone with a styles account can be followed (whoever shares images is an
    artist of the feed).

    Raises:
        BadRequest: (400 ``cannot_follow_yourself``).
        NotFound: (404 ``artist_not_found``) no such user.
        TooManyRequests: (429) over the follow rate limit.
    """
    if artist_id == who.user_id:
        raise BadRequest("you cannot follow yourself", code=Code.cannot_follow_yourself,
                         fields=[{"field": "id", "message": "is your own id"}])
    with db.transaction() as conn:
        ratelimit.take(conn, user_id=who.user_id, action="follow")
        if not repo.lock_user(conn, artist_id):
            raise NotFound(f"artist {artist_id} not found", code=Code.artist_not_found)
        is_following, count = repo.toggle_follow(conn, follower=who.user_id, artist=artist_id)
        if is_following:
            alerts.followed(conn, artist=artist_id, follower=who.user_id,
                            follower_name=repo.display_name(conn, who.user_id))
    return {"is_following": is_following, "follower_count": count}


def list_following(follower: UUID, *, cursor: str | None, limit: int) -> dict[str, Any]:
    """``{"items", "next_cursor"}``: whom the caller follows, newest follow first, with follower counts.

    Raises:
        BadRequest: (400 ``invalid_cursor``).
    """
    after = decode_cursor(cursor)
    with db.transaction() as conn:
        rows = repo.following(conn, follower=follower, after=after, limit=limit + 1)
    items, next_cursor = page(rows, limit, "followed_at")
    return {"items": [{"id": r["id"], "username": r["display_name"], "profile_image": r["profile_image_url"],
                       "follower_count": r["follower_count"], "followed_at": r["followed_at"]} for r in items],
            "next_cursor": next_cursor}
