"""Notifications (design document 004, M5-Notification): ``notify`` for other code (training
complete or failed, part 2's likes, comments and follows), and the API's use cases in ``service``.

``notify(conn, *, user_id, type, title, message, link, dedupe_key=None)`` runs inside the caller's
transaction (see :func:`styles.notifications.repository.insert`).
"""

from styles.notifications.repository import insert as notify

__all__ = ["notify"]
