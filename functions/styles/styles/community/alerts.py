"""Notifications of likes, comments and follows (design document 004, M5-Notification: "on Like
creation / Comment creation / Follow creation -> create notification", "Prevent
self-notification"), written in the transaction of the action that causes them.

Floods are kept out (issue 13 item 4):

* likes are coalesced: ONE notification per image (``dedupe_key`` ``likes:<image id>``), updated in
  place by every new like of another user: its message says how many others like the image now
  ("3 people liked your image"), it becomes unread again and moves to the top. A burst of 1000 likes
  leaves one notification. Unlikes change nothing.
* a follow notifies once per follower and artist, ever (``follow:<follower id>``): following,
  unfollowing and following again does not notify twice.
* each comment notifies once (``comment:<comment id>``); comments are rate-limited per user.
"""

from __future__ import annotations

from uuid import UUID

import psycopg

from styles.notifications import notify


def liked(conn: psycopg.Connection, *, owner: UUID, liker: UUID, image_id: UUID) -> None:
    """A like of ``owner``'s image by ``liker``: the image's one like notification, made or updated
    (none for the owner's own like)."""
    if owner == liker:
        return
    conn.execute(
        """WITH n AS (SELECT count(*) AS others FROM styles.image_likes WHERE image_id = %(image)s AND user_id <> %(owner)s)
           INSERT INTO styles.notifications (user_id, type, title, message, link, dedupe_key)
           SELECT %(owner)s, 'like', 'New likes',
                  CASE WHEN n.others = 1 THEN '1 person liked your image' ELSE n.others || ' people liked your image' END,
                  %(link)s, %(key)s FROM n
           ON CONFLICT (user_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO UPDATE
           SET message = EXCLUDED.message, is_read = false, created_at = clock_timestamp()""",
        {"image": image_id, "owner": owner, "link": f"/images/{image_id}", "key": f"likes:{image_id}"})


def commented(conn: psycopg.Connection, *, owner: UUID, author: UUID, author_name: str, image_id: UUID,
              comment_id: UUID, content: str) -> None:
    """A comment on ``owner``'s image (none for the owner's own comment)."""
    if owner == author:
        return
    snippet = content if len(content) <= 80 else content[:79] + "…"
    notify(conn, user_id=owner, type="comment", title="New comment",
           message=f'{author_name} commented on your image: "{snippet}"', link=f"/images/{image_id}",
           dedupe_key=f"comment:{comment_id}")


def followed(conn: psycopg.Connection, *, artist: UUID, follower: UUID, follower_name: str) -> None:
    """``follower`` started following ``artist`` (once per pair, ever)."""
    notify(conn, user_id=artist, type="follow", title="New follower", message=f"{follower_name} started following you",
           link=f"/artists/{follower}", dedupe_key=f"follow:{follower}")
