"""SQL of style models, their training images and tags (schema ``styles``, migration styles_0002).

Every function takes an open ``conn`` (the service owns the transaction). Status changes are
guarded UPDATEs: a row moves only from the states its transition allows, and the caller learns
from the returned row whether it moved, so a duplicate or late callback changes nothing.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import dict_row

from backlot.errors import BadRequest, PlatformCode


class DuplicateName(Exception):
    """The artist already has a model of that name (not deleted)."""


_MODEL_COLUMNS = """
    m.id, m.artist_id, m.name, m.description, m.training_status, m.model_path, m.failure_reason,
    m.price, m.usage_count, m.image_count, m.trigger_word, m.num_epochs, m.thumbnail_key, m.task_id,
    m.provider_job_id, m.enqueued_at, m.dispatched_at, m.finished_at, m.uploads_expire_at,
    m.is_deleted, m.created_at, m.updated_at,
    u.display_name AS artist_name, u.profile_image_url AS artist_profile_image
"""


def insert_model(conn: psycopg.Connection, row: dict[str, Any]) -> dict[str, Any]:
    """Insert a style model. Raises DuplicateName on the (artist, lower(name)) unique index."""
    cols = list(row)
    query = (f"INSERT INTO styles.style_models ({', '.join(cols)}) VALUES ({', '.join('%(' + c + ')s' for c in cols)})"
             " RETURNING id")
    try:
        with conn.transaction():  # a savepoint, so the caller's transaction survives the violation
            conn.execute(query, row)
    except psycopg.errors.UniqueViolation as exc:
        if "style_models_artist_name_key" in str(exc):
            raise DuplicateName(row["name"]) from None
        raise
    return row


def insert_training_images(conn: psycopg.Connection, rows: list[dict[str, Any]]) -> None:
    """Insert training image rows (``id, model_id, position, status, ...``), all with the same keys."""
    if not rows:
        return
    cols = list(rows[0])
    query = (f"INSERT INTO styles.training_images ({', '.join(cols)}) "
             f"VALUES ({', '.join('%(' + c + ')s' for c in cols)})")
    with conn.cursor() as cur:
        cur.executemany(query, rows)


def set_tags(conn: psycopg.Connection, model_id: UUID, names: list[str]) -> None:
    """Give the model ``names`` in order: each tag made on first use (case-insensitive), its
    ``usage_count`` raised by one, and a ``model_tags`` row with its position."""
    for position, name in enumerate(names):
        tag = conn.execute(
            """INSERT INTO styles.tags (id, name, usage_count) VALUES (gen_random_uuid(), %s, 1)
               ON CONFLICT (lower(name)) DO UPDATE SET usage_count = styles.tags.usage_count + 1
               RETURNING id""", (name,)).fetchone()
        conn.execute("INSERT INTO styles.model_tags (model_id, tag_id, position) VALUES (%s, %s, %s)",
                     (model_id, _first(tag), position))


def _first(row: Any) -> Any:
    return row["id"] if isinstance(row, dict) else row[0]


def get_model(conn: psycopg.Connection, model_id: UUID, *, for_update: bool = False) -> dict[str, Any] | None:
    """The model with its artist's name and picture (deleted ones too: callers decide), or None."""
    lock = " FOR UPDATE OF m" if for_update else ""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(f"SELECT {_MODEL_COLUMNS} FROM styles.style_models m "
                           f"JOIN styles.users u ON u.user_id = m.artist_id WHERE m.id = %s{lock}",
                           (model_id,)).fetchone()


def tags_of(conn: psycopg.Connection, model_ids: list[UUID]) -> dict[UUID, list[str]]:
    """model id -> its tag names in order."""
    out: dict[UUID, list[str]] = {m: [] for m in model_ids}
    if not model_ids:
        return out
    rows = conn.execute(
        """SELECT mt.model_id, t.name FROM styles.model_tags mt JOIN styles.tags t ON t.id = mt.tag_id
           WHERE mt.model_id = ANY(%s) ORDER BY mt.model_id, mt.position""", (model_ids,)).fetchall()
    for row in rows:
        model_id, name = (row["model_id"], row["name"]) if isinstance(row, dict) else row
        out[model_id].append(name)
    return out


def training_images(conn: psycopg.Connection, model_id: UUID) -> list[dict[str, Any]]:
    """The model's training images in position order."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            """SELECT id, position, status, upload_key, declared_type, declared_bytes, image_key, thumbnail_key,
                      content_type, width, height, size_bytes, failure_code, failure_reason
               FROM styles.training_images WHERE model_id = %s ORDER BY position""", (model_id,)).fetchall()


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _unb64(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("cursor is not one this API made", code=PlatformCode.invalid_cursor) from None


def encode_list_cursor(sort: str, row: dict[str, Any]) -> str:
    """The cursor after ``row`` in ``sort`` order (``newest``: created_at, id; ``popular``:
    usage_count, created_at, id)."""
    parts = [sort, row["created_at"].isoformat(), str(row["id"])]
    if sort == "popular":
        parts.insert(1, str(row["usage_count"]))
    return _b64("|".join(parts))


def decode_list_cursor(sort: str, cursor: str) -> tuple:
    """The key a cursor holds. Raises BadRequest (invalid_cursor) for a cursor of another sort or
    not made here."""
    parts = _unb64(cursor).split("|")
    try:
        if parts[0] != sort:
            raise ValueError
        if sort == "popular":
            return int(parts[1]), datetime.fromisoformat(parts[2]), UUID(parts[3])
        return datetime.fromisoformat(parts[1]), UUID(parts[2])
    except (ValueError, IndexError):
        raise BadRequest("cursor is not one this API made (or was made for another sort)",
                         code=PlatformCode.invalid_cursor) from None


def list_models(conn: psycopg.Connection, *, viewer_id: UUID | None, tags: list[str], artist_id: UUID | None,
                training_status: str | None, sort: str, cursor: str | None, limit: int,
                exclude_tags: list[str] = ()) -> list[dict[str, Any]]:
    """Up to ``limit + 1`` models visible to ``viewer_id`` (completed ones, and the viewer's own in
    any status), not deleted, having every tag of ``tags`` (AND, case-insensitive), of
    ``artist_id`` and ``training_status`` when given, none of ``exclude_tags``, in ``sort`` order (``newest`` or
    ``popular``) after ``cursor``."""
    where = ["NOT m.is_deleted", "(m.training_status = 'completed' OR m.artist_id = %(viewer)s)"]
    params: dict[str, Any] = {"viewer": viewer_id, "limit": limit + 1}
    wanted = sorted({t.casefold() for t in tags})
    if wanted:
        where.append("""m.id IN (SELECT mt.model_id FROM styles.model_tags mt JOIN styles.tags t ON t.id = mt.tag_id
                                 WHERE lower(t.name) = ANY(%(tags)s) GROUP BY mt.model_id
                                 HAVING count(DISTINCT lower(t.name)) = %(ntags)s)""")
        params.update(tags=wanted, ntags=len(wanted))
    unwanted = sorted({t.casefold() for t in exclude_tags})
    if unwanted:
        where.append("""NOT EXISTS (SELECT 1 FROM styles.model_tags mt JOIN styles.tags t ON t.id = mt.tag_id
                                    WHERE mt.model_id = m.id AND lower(t.name) = ANY(%(excluded)s))""")
        params["excluded"] = unwanted
    if artist_id is not None:
        where.append("m.artist_id = %(artist)s")
        params["artist"] = artist_id
    if training_status is not None:
        where.append("m.training_status = %(status)s")
        params["status"] = training_status
    if sort == "popular":
        order = "m.usage_count DESC, m.created_at DESC, m.id DESC"
        if cursor:
            params["c_usage"], params["c_at"], params["c_id"] = decode_list_cursor(sort, cursor)
            where.append("(m.usage_count, m.created_at, m.id) < (%(c_usage)s, %(c_at)s, %(c_id)s)")
    else:
        order = "m.created_at DESC, m.id DESC"
        if cursor:
            params["c_at"], params["c_id"] = decode_list_cursor(sort, cursor)
            where.append("(m.created_at, m.id) < (%(c_at)s, %(c_id)s)")
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(f"SELECT {_MODEL_COLUMNS} FROM styles.style_models m "
                           f"JOIN styles.users u ON u.user_id = m.artist_id "
                           f"WHERE {' AND '.join(where)} ORDER BY {order} LIMIT %(limit)s", params).fetchall()


def soft_delete(conn: psycopg.Connection, model_id: UUID, artist_id: UUID) -> bool:
    """Mark the artist's model deleted; False when it is not theirs or already deleted. Its tags
    count one use fewer (``usage_count``: models not deleted that carry the tag, what the tag list
    ranks by; issue 13)."""
    row = conn.execute(
        """UPDATE styles.style_models SET is_deleted = true, deleted_at = now(), updated_at = now()
           WHERE id = %s AND artist_id = %s AND NOT is_deleted RETURNING id""", (model_id, artist_id)).fetchone()
    if row is not None:
        conn.execute("""UPDATE styles.tags t SET usage_count = t.usage_count - 1 FROM styles.model_tags mt
                        WHERE mt.model_id = %s AND mt.tag_id = t.id AND t.usage_count > 0""", (model_id,))
    return row is not None


# -- training status: guarded transitions ------------------------------------------------------

def mark_enqueued(conn: psycopg.Connection, model_id: UUID) -> None:
    """Record that the training message was (re)sent now."""
    conn.execute("UPDATE styles.style_models SET enqueued_at = now(), updated_at = now() WHERE id = %s", (model_id,))


def start_training(conn: psycopg.Connection, model_id: UUID, task_id: UUID, provider_job_id: str) -> bool:
    """queued -> training with the provider's job id, only for this task; False when the model has
    moved on (another delivery took it, or it finished)."""
    row = conn.execute(
        """UPDATE styles.style_models SET training_status = 'training', provider_job_id = %s,
                  dispatched_at = now(), updated_at = now()
           WHERE id = %s AND task_id = %s AND training_status = 'queued' RETURNING id""",
        (provider_job_id, model_id, task_id)).fetchone()
    return row is not None


def finish_training(conn: psycopg.Connection, model_id: UUID, *, status: str, model_path: str | None,
                    failure_reason: str | None) -> dict[str, Any] | None:
    """queued|training -> completed (with ``model_path``) or failed (with ``failure_reason``);
    the row when it moved, None when it had already finished (duplicate or late callback)."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            """UPDATE styles.style_models SET training_status = %s, model_path = COALESCE(%s, model_path),
                      failure_reason = %s, finished_at = now(), updated_at = now()
               WHERE id = %s AND training_status IN ('queued', 'training')
               RETURNING id, artist_id, name, training_status, model_path, failure_reason""",
            (status, model_path, failure_reason, model_id)).fetchone()


def mark_training_running(conn: psycopg.Connection, model_id: UUID) -> bool:
    """queued -> training (a worker's "training" callback); False otherwise."""
    row = conn.execute(
        """UPDATE styles.style_models SET training_status = 'training', updated_at = now()
           WHERE id = %s AND training_status = 'queued' RETURNING id""", (model_id,)).fetchone()
    return row is not None


def models_to_reconcile(conn: psycopg.Connection, *, requeue_after_s: int, deadline_s: int,
                        limit: int = 100) -> list[dict[str, Any]]:
    """Models waiting on the queue longer than ``requeue_after_s`` (message maybe lost) or training
    longer than ``deadline_s`` (callback maybe lost)."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            """SELECT id, task_id, training_status, provider_job_id, enqueued_at, dispatched_at, num_epochs
               FROM styles.style_models
               WHERE NOT is_deleted AND (
                     (training_status = 'queued' AND (enqueued_at IS NULL OR enqueued_at < now() - make_interval(secs => %s)))
                  OR (training_status = 'training' AND dispatched_at < now() - make_interval(secs => %s)))
               ORDER BY updated_at LIMIT %s""", (requeue_after_s, deadline_s, limit)).fetchall()
