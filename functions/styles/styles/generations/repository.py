"""SQL of generations (``styles.generations``, migration styles_0002).

Functions take an open ``conn``. Status changes are guarded UPDATEs (``queued -> processing ->
completed | failed | cancelled``; ``queued`` may also finish directly): the returned row says
whether the generation moved, so the caller refunds or counts usage only for the one change that
happened, never for a duplicate callback.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import dict_row

_COLUMNS = """id, user_id, style_model_id, prompt_tags, prompt, aspect_ratio, seed, cost, refunded, status,
              image_key, image_url, failure_reason, task_id, provider_job_id, visibility, idempotency_key,
              enqueued_at, dispatched_at, finished_at, created_at, updated_at"""
_OPEN = "('queued', 'processing')"


def insert(conn: psycopg.Connection, row: dict[str, Any]) -> dict[str, Any]:
    """Insert a generation; returns the stored row."""
    cols = list(row)
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            f"INSERT INTO styles.generations ({', '.join(cols)}) VALUES ({', '.join('%(' + c + ')s' for c in cols)}) "
            f"RETURNING {_COLUMNS}", row).fetchone()


def get(conn: psycopg.Connection, generation_id: UUID, *, for_update: bool = False) -> dict[str, Any] | None:
    """The generation, or None."""
    lock = " FOR UPDATE" if for_update else ""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(f"SELECT {_COLUMNS} FROM styles.generations WHERE id = %s{lock}",
                           (generation_id,)).fetchone()


def mark_enqueued(conn: psycopg.Connection, generation_id: UUID) -> None:
    """Record that the generation message was (re)sent now."""
    conn.execute("UPDATE styles.generations SET enqueued_at = now(), updated_at = now() WHERE id = %s",
                 (generation_id,))


def start(conn: psycopg.Connection, generation_id: UUID, task_id: UUID, provider_job_id: str) -> bool:
    """queued -> processing with the provider's job id, only for this task; False when it moved on."""
    row = conn.execute(
        """UPDATE styles.generations SET status = 'processing', provider_job_id = %s, dispatched_at = now(),
                  updated_at = now()
           WHERE id = %s AND task_id = %s AND status = 'queued' RETURNING id""",
        (provider_job_id, generation_id, task_id)).fetchone()
    return row is not None


def mark_processing(conn: psycopg.Connection, generation_id: UUID) -> bool:
    """queued -> processing (a worker's callback); False otherwise."""
    row = conn.execute(
        """UPDATE styles.generations SET status = 'processing', updated_at = now()
           WHERE id = %s AND status = 'queued' RETURNING id""", (generation_id,)).fetchone()
    return row is not None


def complete(conn: psycopg.Connection, generation_id: UUID, *, image_key: str | None,
             image_url: str | None) -> dict[str, Any] | None:
    """queued|processing -> completed with the image; the row when it moved, else None."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            f"""UPDATE styles.generations SET status = 'completed', image_key = %s, image_url = %s,
                       finished_at = now(), updated_at = now()
                WHERE id = %s AND status IN {_OPEN} RETURNING {_COLUMNS}""",
            (image_key, image_url, generation_id)).fetchone()


def finish_unpaid(conn: psycopg.Connection, generation_id: UUID, *, status: str, failure_reason: str | None,
                  user_id: UUID | None = None) -> dict[str, Any] | None:
    """queued|processing -> failed or cancelled, marking the whole cost refunded (nothing was
    delivered); the row when it moved, else None. With ``user_id`` only that user's generation."""
    owner = " AND user_id = %s" if user_id is not None else ""
    params: tuple = (status, failure_reason, generation_id) + ((user_id,) if user_id is not None else ())
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            f"""UPDATE styles.generations SET status = %s, failure_reason = %s, refunded = cost,
                       finished_at = now(), updated_at = now()
                WHERE id = %s AND status IN {_OPEN}{owner} RETURNING {_COLUMNS}""", params).fetchone()


def count_usage(conn: psycopg.Connection, model_id: UUID) -> None:
    """One more completed generation of the model (its popularity)."""
    conn.execute("UPDATE styles.style_models SET usage_count = usage_count + 1 WHERE id = %s", (model_id,))


def to_reconcile(conn: psycopg.Connection, *, requeue_after_s: int, deadline_s: int,
                 limit: int = 100) -> list[dict[str, Any]]:
    """Generations queued longer than ``requeue_after_s`` since their last send, or processing
    longer than ``deadline_s`` since dispatch."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            f"""SELECT {_COLUMNS} FROM styles.generations
                WHERE (status = 'queued' AND (enqueued_at IS NULL OR enqueued_at < now() - make_interval(secs => %s)))
                   OR (status = 'processing' AND dispatched_at < now() - make_interval(secs => %s))
                ORDER BY updated_at LIMIT %s""", (requeue_after_s, deadline_s, limit)).fetchall()


def record_delivery(conn: psycopg.Connection, message_id: str) -> bool:
    """Record a provider webhook message id; False when it was already applied (a replay)."""
    row = conn.execute("INSERT INTO styles.webhook_deliveries (message_id) VALUES (%s) ON CONFLICT DO NOTHING "
                       "RETURNING message_id", (message_id,)).fetchone()
    return row is not None


def forget_deliveries(conn: psycopg.Connection, *, older_than_s: int) -> int:
    """Delete recorded webhook ids older than ``older_than_s`` (far past the replay window)."""
    cur = conn.execute("DELETE FROM styles.webhook_deliveries WHERE received_at < now() - make_interval(secs => %s)",
                       (older_than_s,))
    return cur.rowcount
