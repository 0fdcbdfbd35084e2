"""Rows the community tests start from: styles users (made on first sight through the API), a
completed style model with tags, and finished generations, written with SQL as the training and
generation flows leave them (those flows have their own tests in ``tests/integration/styles/gen``).
The images carry a provider URL (``image_url``) rather than a bucket key, so no S3 is needed."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from tests.support.clients import ApiClient


def member(api: ApiClient, prefix: str = "c", groups: tuple[str, ...] = ()) -> tuple[str, uuid.UUID]:
    """A new styles user (first sight through the API): ``(token subject, user id)``."""
    from backlot.auth import user_id_for_subject

    name = f"{prefix}-{uuid.uuid4().hex[:12]}"
    assert api.get("/api/tokens/balance/", user=name, groups=groups).status == 200
    return name, user_id_for_subject(name)


def model(artist_id: uuid.UUID, *, name: str | None = None, tags: list[str] = (), status: str = "completed") -> uuid.UUID:
    """A style model of ``artist_id`` with ``tags`` in order, in ``status``."""
    from backlot import db

    from styles.stylemodels import repository

    model_id = uuid.uuid4()
    with db.transaction() as conn:
        repository.insert_model(conn, {
            "id": model_id, "artist_id": artist_id, "name": name or f"Style {model_id.hex[:8]}",
            "training_status": status, "model_path": "loras/x.safetensors" if status == "completed" else None,
            "image_count": 10, "trigger_word": f"tw{model_id.hex[:6]}", "task_id": uuid.uuid4()})
        repository.set_tags(conn, model_id, list(tags))
    return model_id


def image(user_id: uuid.UUID, model_id: uuid.UUID, *, visibility: str = "private", status: str = "completed",
          created_at: datetime | None = None) -> uuid.UUID:
    """A generation of ``user_id`` in ``model_id``, finished (``completed``) unless told."""
    from backlot import db

    image_id = uuid.uuid4()
    with db.transaction() as conn:
        conn.execute(
            """INSERT INTO styles.generations (id, user_id, style_model_id, prompt_tags, prompt, aspect_ratio, seed,
                                               cost, status, image_url, task_id, visibility, created_at)
               VALUES (%s, %s, %s, %s, 'p', '1:1', 7, 10, %s, %s, %s, %s, coalesce(%s, now()))""",
            (image_id, user_id, model_id, ["harbour", "dawn"], status,
             f"https://provider.example/out/{image_id}.png" if status == "completed" else None, uuid.uuid4(),
             visibility, created_at))
    return image_id


def counts(image_id: uuid.UUID) -> dict[str, Any]:
    """``{like_count, comment_count, likes, comments}``: the counters and the rows they count."""
    from backlot import db

    with db.transaction() as conn:
        return conn.execute(
            """SELECT g.like_count, g.comment_count,
                      (SELECT count(*) FROM styles.image_likes l WHERE l.image_id = g.id) AS likes,
                      (SELECT count(*) FROM styles.comments c WHERE c.image_id = g.id) AS comments
               FROM styles.generations g WHERE g.id = %s""", (image_id,)).fetchone()


def notifications(user_id: uuid.UUID) -> list[dict[str, Any]]:
    """The user's notifications, newest first."""
    from backlot import db

    with db.transaction() as conn:
        return conn.execute("SELECT type, title, message, link, is_read FROM styles.notifications WHERE user_id = %s "
                            "ORDER BY created_at DESC, id DESC", (user_id,)).fetchall()


def requests_at_once(count: int, work: Any) -> list[Any]:
    """``tests.integration.styles.helpers.at_once`` for handler calls: each thread gets the event
    loop the Lambda handler (Mangum) needs, as each Lambda execution environment has its own."""
    import asyncio

    from tests.integration.styles.helpers import at_once

    def run(i: int) -> Any:
        asyncio.set_event_loop(asyncio.new_event_loop())
        return work(i)

    return at_once(count, run)
