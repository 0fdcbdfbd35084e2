"""SQL of the community feed, likes, comments and follows (migration styles_0004_community).

Functions take an open ``conn`` (the service owns the transaction). Every list is ONE statement
whatever the page holds: the image's artist and style model are joined, the counts are columns of
the counted row, and ``is_liked_by_current_user`` is an ``EXISTS`` on the likes' primary key, so a
page never costs one query per item (M6-Performance "No N+1 query issues").

A change of a counted thing (a like, a comment, a follow) first locks the counted row (the image,
the followed user) with ``FOR NO KEY UPDATE``, then changes the row and the counter: concurrent
toggles of one pair are serialised and every counter equals its rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg

VISIBLE = "(g.status = 'completed' AND (g.visibility = 'public' OR g.user_id = %(viewer)s))"
"""An image the viewer may see: finished, and public or their own (M5-Community-API "Return 404 if
not found or not public")."""

_IMAGE_COLUMNS = """
    g.id, g.user_id, g.prompt_tags, g.aspect_ratio, g.image_key, g.image_url, g.visibility,
    g.like_count, g.comment_count, g.created_at, g.style_model_id, m.name AS style_name,
    u.display_name AS artist_name, u.profile_image_url AS artist_profile_image,
    EXISTS (SELECT 1 FROM styles.image_likes l WHERE l.image_id = g.id AND l.user_id = %(viewer)s) AS liked
"""
_IMAGE_FROM = """styles.generations g JOIN styles.style_models m ON m.id = g.style_model_id
                 JOIN styles.users u ON u.user_id = g.user_id"""


# -- the feed and one image ----------------------------------------------------------------------

def feed(conn: psycopg.Connection, *, viewer: UUID | None, sort: str, since: datetime | None,
         after: tuple | None, limit: int) -> list[dict[str, Any]]:
    """Up to ``limit`` public finished images created at or after ``since`` (None: all), in
    ``sort`` order (``newest``: created_at, id descending; ``most_liked``: like_count first),
    strictly after the keyset ``after`` (``(created_at, id)`` or ``(like_count, created_at, id)``)."""
    params: dict[str, Any] = {"viewer": viewer, "since": since, "limit": limit}
    where = ["g.visibility = 'public'", "g.status = 'completed'", "(%(since)s::timestamptz IS NULL OR g.created_at >= %(since)s)"]
    if sort == "most_liked":
        order = "g.like_count DESC, g.created_at DESC, g.id DESC"
        if after:
            params.update(c_likes=after[0], c_at=after[1], c_id=after[2])
            where.append("(g.like_count, g.created_at, g.id) < (%(c_likes)s, %(c_at)s, %(c_id)s)")
    else:
        order = "g.created_at DESC, g.id DESC"
        if after:
            params.update(c_at=after[0], c_id=after[1])
            where.append("(g.created_at, g.id) < (%(c_at)s, %(c_id)s)")
    return conn.execute(f"SELECT {_IMAGE_COLUMNS} FROM {_IMAGE_FROM} WHERE {' AND '.join(where)} "
                        f"ORDER BY {order} LIMIT %(limit)s", params).fetchall()


def image(conn: psycopg.Connection, *, viewer: UUID | None, image_id: UUID) -> dict[str, Any] | None:
    """The image if the viewer may see it (see :data:`VISIBLE`), else None."""
    return conn.execute(f"SELECT {_IMAGE_COLUMNS} FROM {_IMAGE_FROM} WHERE g.id = %(id)s AND {VISIBLE}",
                        {"viewer": viewer, "id": image_id}).fetchone()


def lock_visible_image(conn: psycopg.Connection, *, viewer: UUID, image_id: UUID) -> dict[str, Any] | None:
    """Lock the image's row (``FOR NO KEY UPDATE``) if the viewer may see it; ``{id, user_id,
    like_count, comment_count}`` or None."""
    return conn.execute(f"SELECT g.id, g.user_id, g.like_count, g.comment_count FROM styles.generations g "
                        f"WHERE g.id = %(id)s AND {VISIBLE} FOR NO KEY UPDATE",
                        {"viewer": viewer, "id": image_id}).fetchone()


def set_visibility(conn: psycopg.Connection, *, owner: UUID, image_id: UUID, visibility: str) -> dict[str, Any] | None:
    """Set the owner's image ``public`` or ``private``; ``{id, visibility}``, or None when the image
    is not theirs (or absent)."""
    return conn.execute(
        """UPDATE styles.generations SET visibility = %s, updated_at = now()
           WHERE id = %s AND user_id = %s RETURNING id, visibility""", (visibility, image_id, owner)).fetchone()


def image_owner(conn: psycopg.Connection, image_id: UUID) -> dict[str, Any] | None:
    """``{user_id, visibility, status}`` of any image, or None."""
    return conn.execute("SELECT user_id, visibility, status FROM styles.generations WHERE id = %s",
                        (image_id,)).fetchone()


# -- likes ---------------------------------------------------------------------------------------

def toggle_like(conn: psycopg.Connection, *, image_id: UUID, user_id: UUID) -> tuple[bool, int]:
    """Like the image, or unlike it when already liked; ``(is_liked, like_count)`` after. The caller
    holds the image's row lock (:func:`lock_visible_image`)."""
    removed = conn.execute("DELETE FROM styles.image_likes WHERE image_id = %s AND user_id = %s RETURNING 1",
                           (image_id, user_id)).fetchone()
    if removed is None:
        conn.execute("INSERT INTO styles.image_likes (image_id, user_id) VALUES (%s, %s)", (image_id, user_id))
    row = conn.execute("UPDATE styles.generations SET like_count = like_count + %s WHERE id = %s RETURNING like_count",
                       (-1 if removed else 1, image_id)).fetchone()
    return removed is None, row["like_count"]


# -- comments ------------------------------------------------------------------------------------

def insert_comment(conn: psycopg.Connection, *, comment_id: UUID, image_id: UUID, user_id: UUID,
                   content: str) -> dict[str, Any]:
    """Add a comment and count it on its image (whose row the caller has locked); the comment with
    its author."""
    conn.execute("UPDATE styles.generations SET comment_count = comment_count + 1 WHERE id = %s", (image_id,))
    return conn.execute(
        """WITH c AS (INSERT INTO styles.comments (id, image_id, user_id, content) VALUES (%s, %s, %s, %s)
                      RETURNING id, image_id, user_id, content, created_at)
           SELECT c.*, u.display_name AS author_name, u.profile_image_url AS author_profile_image
           FROM c JOIN styles.users u ON u.user_id = c.user_id""",
        (comment_id, image_id, user_id, content)).fetchone()


def comments(conn: psycopg.Connection, *, image_id: UUID, after: tuple[datetime, UUID] | None,
             limit: int) -> list[dict[str, Any]]:
    """Up to ``limit`` comments of the image, oldest first, strictly after ``after`` (created_at, id)."""
    return conn.execute(
        """SELECT c.id, c.image_id, c.user_id, c.content, c.created_at,
                  u.display_name AS author_name, u.profile_image_url AS author_profile_image
           FROM styles.comments c JOIN styles.users u ON u.user_id = c.user_id
           WHERE c.image_id = %(image)s
             AND (%(at)s::timestamptz IS NULL OR (c.created_at, c.id) > (%(at)s::timestamptz, %(id)s::uuid))
           ORDER BY c.created_at, c.id LIMIT %(limit)s""",
        {"image": image_id, "at": after[0] if after else None, "id": after[1] if after else None,
         "limit": limit}).fetchall()


def comment(conn: psycopg.Connection, comment_id: UUID) -> dict[str, Any] | None:
    """``{id, image_id, user_id}`` of a comment, or None."""
    return conn.execute("SELECT id, image_id, user_id FROM styles.comments WHERE id = %s", (comment_id,)).fetchone()


def lock_image(conn: psycopg.Connection, image_id: UUID) -> None:
    """Lock an image's row (``FOR NO KEY UPDATE``), whatever its visibility."""
    conn.execute("SELECT 1 FROM styles.generations WHERE id = %s FOR NO KEY UPDATE", (image_id,))


def delete_comment(conn: psycopg.Connection, *, comment_id: UUID, image_id: UUID) -> bool:
    """Delete the comment and uncount it (the caller holds the image's lock); False when it was
    already gone."""
    gone = conn.execute("DELETE FROM styles.comments WHERE id = %s RETURNING 1", (comment_id,)).fetchone()
    if gone is None:
        return False
    conn.execute("UPDATE styles.generations SET comment_count = comment_count - 1 WHERE id = %s", (image_id,))
    return True


# -- follows -------------------------------------------------------------------------------------

def lock_user(conn: psycopg.Connection, user_id: UUID) -> bool:
    """Lock a styles user's row (``FOR NO KEY UPDATE``); False when there is no such user."""
    return conn.execute("SELECT 1 FROM styles.users WHERE user_id = %s FOR NO KEY UPDATE", (user_id,)).fetchone() is not None


def toggle_follow(conn: psycopg.Connection, *, follower: UUID, artist: UUID) -> tuple[bool, int]:
    """Follow the artist, or unfollow when already following; ``(is_following, follower_count)``
    after. The caller holds the artist's row lock (:func:`lock_user`)."""
    removed = conn.execute("DELETE FROM styles.follows WHERE follower_id = %s AND artist_id = %s RETURNING 1",
                           (follower, artist)).fetchone()
    if removed is None:
        conn.execute("INSERT INTO styles.follows (follower_id, artist_id) VALUES (%s, %s)", (follower, artist))
    row = conn.execute("UPDATE styles.users SET follower_count = follower_count + %s WHERE user_id = %s "
                       "RETURNING follower_count", (-1 if removed else 1, artist)).fetchone()
    return removed is None, row["follower_count"]


def following(conn: psycopg.Connection, *, follower: UUID, after: tuple[datetime, UUID] | None,
              limit: int) -> list[dict[str, Any]]:
    """Up to ``limit`` users ``follower`` follows, newest follow first, strictly after ``after``
    (followed_at, artist id); each ``{id, display_name, profile_image_url, follower_count, followed_at}``."""
    return conn.execute(
        """SELECT u.user_id AS id, u.display_name, u.profile_image_url, u.follower_count, f.created_at AS followed_at
           FROM styles.follows f JOIN styles.users u ON u.user_id = f.artist_id
           WHERE f.follower_id = %(me)s
             AND (%(at)s::timestamptz IS NULL OR (f.created_at, f.artist_id) < (%(at)s::timestamptz, %(id)s::uuid))
           ORDER BY f.created_at DESC, f.artist_id DESC LIMIT %(limit)s""",
        {"me": follower, "at": after[0] if after else None, "id": after[1] if after else None,
         "limit": limit}).fetchall()


def display_name(conn: psycopg.Connection, user_id: UUID) -> str:
    """How a user is named to others: display name, else the e-mail's local part, else ``Someone``."""
    row = conn.execute("SELECT coalesce(display_name, split_part(email, '@', 1), 'Someone') AS name "
                       "FROM styles.users WHERE user_id = %s", (user_id,)).fetchone()
    return row["name"] if row and row["name"] else "Someone"
