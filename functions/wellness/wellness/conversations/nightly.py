"""The nightly conversations (06:00) and journals (23:00) in each user's own time zone, through the
OpenAI Batch API at half price (issue 11 item 3; document 001 "Daily Conversation Generation (6 AM)",
"Daily Journal Generation (11 PM)").

Three steps, each safe to run again:

* **plan** (every 15 minutes, like ``wellness.jobs.nightly``): users whose local clock passed 06:00
  (23:00) and not yet planned for their local date (``wellness.ai_plan_runs``) get pending rows with their request built: one conversation about yesterday
  (type and mood from their active patterns) of their active devices and the day's top 3 apps;
  journals of today for each active device and the day's top apps (at most 50). The unique indexes
  on (user, day[, subject]) make a rerun add nothing.
* **submit**: pending nightly rows in no batch are claimed by a submission intent, committed with
  their estimated cost (batch price) reserved per user and globally, then written as JSONL
  (``custom_id`` = the row id), uploaded (``files.create``) and started (``batches.create``, the
  intent's id in its ``metadata``); an intent left without its batch is resolved by that metadata
  (``batches.list``) before anything is sent again, so a batch is paid once. Without an API key
  the rows are written by the offline generator instead. Rows over budget are ``failed`` with
  ``budget_exceeded``.
* **collect**: each open batch is retrieved; once terminal, its output lines are applied (ready,
  or an attempt counted when the answer is invalid), its error lines counted as failed attempts,
  and every row of the batch with no answer (an expired or failed batch) goes back to the
  submit step: nothing is lost, and a row answered twice is applied once (only while pending and
  in that batch).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import openai
import psycopg

from backlot.observability import logger

from wellness.conversations import generation, pricing, provider
from wellness.conversations import repository as repo
from wellness.conversations.vocabulary import nightly_choice
from wellness.settings import WellnessSettings

CONVERSATION_AT = time(6, 0)
JOURNAL_AT = time(23, 0)
MAX_APP_JOURNALS = 50
#: the Batch API takes at most 50,000 requests per batch
BATCH_MAX = 50_000
#: rows the offline generator writes per run (one context query each; the rest wait 15 minutes)
OFFLINE_MAX = 5_000

DUE = """
WITH clock AS (
    SELECT u.user_id, (%(now)s::timestamptz AT TIME ZONE COALESCE(p.time_zone, 'UTC')) AS local_now
    FROM (SELECT DISTINCT user_id FROM wellness.devices WHERE is_active) u
    LEFT JOIN wellness.profiles p ON p.user_id = u.user_id
)
SELECT c.user_id, c.local_now::date AS local_today
FROM clock c LEFT JOIN wellness.ai_plan_runs r ON r.user_id = c.user_id AND r.kind = %(job)s
WHERE c.local_now::time >= %(at)s AND (r.local_date IS NULL OR r.local_date < c.local_now::date)
ORDER BY c.user_id LIMIT %(limit)s
"""


def due(conn: psycopg.Connection, job: str, at: time, now: datetime, limit: int) -> list[dict[str, Any]]:
    """``[{user_id, local_today}]``: users with an active device past ``at`` local time at ``now``."""
    return conn.execute(DUE, {"job": job, "at": at, "now": now, "limit": limit}).fetchall()


def _app_participant(app: dict[str, Any], registry: dict[str, dict[str, Any]]) -> dict[str, Any]:
    found = registry.get(app["key"])
    return {"kind": "app", "id": found["id"] if found else app["key"], "name": app["name"] or app["key"],
            "personality": found["personality_type"] if found else None, "key": app["key"]}


def plan_rows(settings: WellnessSettings, kind: str, due_rows: list[dict[str, Any]], found: dict[UUID, dict[str, Any]],
              registry: dict[str, dict[str, Any]]) -> list[tuple[UUID, dict[str, Any]]]:
    """The rows to insert for these due users (pure: no I/O): ``[(user_id, values)]`` with the request built."""
    out = []
    for due_row in due_rows:
        uid = due_row["user_id"]
        ctx = found.get(uid) or {"usage": {}, "patterns": [], "devices": []}
        day = due_row["local_today"] - timedelta(days=1) if kind == "conversation" else due_row["local_today"]
        apps = [_app_participant(a, registry) for a in ctx["usage"].get("top_apps", [])]
        base = {"for_date": day, "usage": ctx["usage"], "patterns": ctx["patterns"]}
        if kind == "conversation":
            cast = ctx["devices"][:3] + apps[:3]
            if not cast:
                continue
            ctype, mood = nightly_choice([p["type"] for p in ctx["patterns"]])
            context = {**base, "kind": "conversation", "conversation_type": ctype.value, "mood": mood.value, "participants": cast}
            out.append((uid, {"kind": "conversation", "origin": "nightly", "conversation_type": ctype.value, "mood": mood.value,
                              "for_date": day, "participants": cast, "request": generation.request_for(settings, context)}))
            continue
        for subject in ctx["devices"] + apps[:MAX_APP_JOURNALS]:
            context = {**base, "kind": "journal", "mood": "wholesome", "participants": [subject], "subject": subject}
            out.append((uid, {"kind": "journal", "origin": "nightly", "mood": "wholesome", "for_date": day,
                              "subject_kind": subject["kind"], "subject_id": str(subject["id"]), "participants": [subject],
                              "request": generation.request_for(settings, context)}))
    return out


INSERT = """
INSERT INTO wellness.conversations (user_id, kind, origin, conversation_type, mood, for_date, subject_kind, subject_id,
                                    participants, request)
SELECT * FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::text[], %s::text[], %s::date[], %s::text[], %s::text[],
                     %s::jsonb[], %s::jsonb[])
ON CONFLICT DO NOTHING
"""


def plan(conn: psycopg.Connection, settings: WellnessSettings, kind: str, now: datetime, limit: int = 2000) -> int:
    """Plan one batch of due users for ``kind`` (``conversation`` at 06:00, ``journal`` at 23:00)
    in the caller's transaction; returns how many users were planned (0: nobody is due)."""
    job, at = ("conversation", CONVERSATION_AT) if kind == "conversation" else ("journal", JOURNAL_AT)
    due_rows = due(conn, job, at, now, limit)
    if not due_rows:
        return 0
    days = [r["local_today"] - timedelta(days=1) if kind == "conversation" else r["local_today"] for r in due_rows]
    found = repo.contexts(conn, [r["user_id"] for r in due_rows], days, top=MAX_APP_JOURNALS if kind == "journal" else 3)
    keys = sorted({a["key"] for c in found.values() for a in c["usage"].get("top_apps", [])})
    rows = plan_rows(settings, kind, due_rows, found, repo.registry_apps(conn, keys))
    if rows:
        cols = list(zip(*[(uid, v["kind"], v["origin"], v.get("conversation_type"), v["mood"], v["for_date"],
                           v.get("subject_kind"), v.get("subject_id"), psycopg.types.json.Jsonb(v["participants"]),
                           psycopg.types.json.Jsonb(v["request"])) for uid, v in rows]))
        conn.execute(INSERT, [list(c) for c in cols])
    conn.execute(
        """INSERT INTO wellness.ai_plan_runs (user_id, kind, local_date, ran_at)
           SELECT u, %s, d, now() FROM unnest(%s::uuid[], %s::date[]) AS x(u, d)
           ON CONFLICT (user_id, kind) DO UPDATE SET local_date = EXCLUDED.local_date, ran_at = now()""",
        (job, [r["user_id"] for r in due_rows], [r["local_today"] for r in due_rows]))
    return len(due_rows)


def build_jsonl(rows: list[dict[str, Any]]) -> bytes:
    """The batch input file of these rows (``custom_id`` = row id)."""
    return ("\n".join(provider.batch_line(str(r["id"]), r["request"]) for r in rows) + "\n").encode()


PENDING = """
SELECT * FROM wellness.conversations
WHERE status = 'pending' AND origin = 'nightly' AND batch_id IS NULL AND submission_id IS NULL
ORDER BY created_at, id LIMIT %s FOR UPDATE SKIP LOCKED
"""

#: the batch metadata key carrying the local submission id
SUBMISSION_KEY = "wellness_submission"
#: how long one run may talk to OpenAI about a submission before another run may take it over
LEASE_S = 600
#: a submission that OpenAI still does not hold after this many tries gives its rows back
MAX_SUBMIT_ATTEMPTS = 5
#: batches created this long before the intent are not looked at (clock skew between us and OpenAI)
LIST_SLACK_S = 300


def submit(conn_factory: Callable[[], Any], settings: WellnessSettings, limit: int = BATCH_MAX) -> dict[str, int]:
    """Send the pending nightly rows in no batch as one batch (or write them offline without an API
    key), paid once whatever fails (issue 11, "a batch is paid once"):

    1. (transaction) the rows are claimed by a new submission intent (``wellness.ai_submissions``)
       and their estimated cost reserved (batch price, per user and globally): committed BEFORE
       OpenAI is called;
    2. the JSONL is uploaded and the batch created with ``metadata.wellness_submission`` = the
       intent's id;
    3. (transaction) the batch is recorded and the rows take its id.

    A run that died or failed between 2 and 3 leaves an open intent; the next run first looks for a
    batch carrying its id (``batches.list``) and records that one, and creates a batch only when
    OpenAI holds none, so a batch is created, paid and applied once, and its budget reserved once.
    Open intents are settled before new rows are taken. Returns counts: ``submitted`` (rows sent in
    a new batch), ``recovered`` (rows of a batch found by its metadata), ``over_budget``, ``offline``.

    Raises:
        psycopg.Error: the database failed (an intent already committed is kept for the next run).
    """
    totals = {"submitted": 0, "recovered": 0, "over_budget": 0}
    if settings.openai_key():
        with conn_factory() as conn:
            open_ids = [r["id"] for r in conn.execute(
                "SELECT id FROM wellness.ai_submissions WHERE resolved_at IS NULL ORDER BY created_at").fetchall()]
        for sid in open_ids:
            for k, v in _send(conn_factory, settings, sid).items():
                totals[k] += v
    with conn_factory() as conn:
        rows = conn.execute(PENDING, (limit if settings.openai_key() else min(limit, OFFLINE_MAX),)).fetchall()
        if not rows:
            return totals
        if not settings.openai_key():
            for row in rows:
                generation.write_offline(conn, row)
            return {"offline": len(rows)}
        sid, refused = _intent(conn, settings, rows)
        totals["over_budget"] += refused
    if sid is not None:
        for k, v in _send(conn_factory, settings, sid, claimed=True).items():
            totals[k] += v
    return totals


def _intent(conn: psycopg.Connection, settings: WellnessSettings, rows: list[dict[str, Any]]) -> tuple[UUID | None, int]:
    """Reserve the rows' estimates per user (refused users' rows ``failed`` with
    ``budget_exceeded``) and claim the others for a new submission (leased to this run, its first
    attempt counted). Returns ``(submission id or None, rows refused)``."""
    day = generation.utc_day()
    by_user: dict[UUID, list[dict[str, Any]]] = {}
    for row in rows:
        row["estimate"] = pricing.estimate(settings.ai_prices, row["request"], batch=True, batch_discount=settings.ai_batch_discount)
        by_user.setdefault(row["user_id"], []).append(row)
    taken, refused = [], 0
    for uid, items in by_user.items():
        amount = sum((r["estimate"] for r in items), Decimal(0))
        if generation.try_reserve(conn, settings, uid, amount, day):
            taken += items
            continue
        for r in items:
            repo.mark_attempt_failed(conn, r["id"], "budget_exceeded: the daily AI budget is spent", 1, final=True)
        refused += len(items)
    if not taken:
        return None, refused
    sid = uuid4()
    conn.execute("INSERT INTO wellness.ai_submissions (id, items, attempts, claimed_until) "
                 "VALUES (%s, %s, 1, now() + make_interval(secs => %s))", (sid, len(taken), LEASE_S))
    conn.execute(
        "UPDATE wellness.conversations c SET submission_id = %s, reserved_usd = x.est, reserved_day = %s "
        "FROM unnest(%s::uuid[], %s::numeric[]) AS x(id, est) WHERE c.id = x.id",
        (sid, day, [r["id"] for r in taken], [r["estimate"] for r in taken]))
    return sid, refused


def _send(conn_factory: Callable[[], Any], settings: WellnessSettings, sid: UUID, *, claimed: bool = False) -> dict[str, int]:
    """Steps 2 and 3 of :func:`submit` for one intent: take its lease (unless this run holds it),
    find the batch an earlier try made (after the first try), else create it; record it."""
    with conn_factory() as conn:
        if claimed:
            intent = conn.execute("SELECT attempts, created_at FROM wellness.ai_submissions WHERE id = %s", (sid,)).fetchone()
        else:
            intent = conn.execute(
                """UPDATE wellness.ai_submissions SET attempts = attempts + 1, claimed_until = now() + make_interval(secs => %s)
                   WHERE id = %s AND resolved_at IS NULL AND (claimed_until IS NULL OR claimed_until < now())
                   RETURNING attempts, created_at""", (LEASE_S, sid)).fetchone()
        if intent is None:
            return {}  # another run holds it, or it is resolved
        rows = conn.execute("SELECT id, request FROM wellness.conversations WHERE submission_id = %s ORDER BY created_at, id",
                            (sid,)).fetchall()
    try:
        found = None
        if intent["attempts"] > 1:
            found = provider.find_batch(settings, SUBMISSION_KEY, str(sid), int(intent["created_at"].timestamp()) - LIST_SLACK_S)
        if found is not None:
            batch_id, file_id, status, counted = found["id"], found["input_file_id"], found["status"], "recovered"
        elif intent["attempts"] > MAX_SUBMIT_ATTEMPTS:
            with conn_factory() as conn:
                _abandon(conn, settings, sid)
            return {}
        else:
            batch_id, file_id, status = provider.submit_batch(settings, build_jsonl(rows),
                                                              {"product": "wellness", SUBMISSION_KEY: str(sid)})
            counted = "submitted"
        with conn_factory() as conn:
            _record(conn, sid, batch_id, file_id, status, len(rows))
    except Exception as exc:
        _unlease(conn_factory, sid, exc)
        if isinstance(exc, openai.APIError):
            logger.warning("batch submission failed; the next run resumes it", extra={"submission_id": str(sid), "reason": str(exc)})
            return {}
        raise
    logger.info("batch submitted", extra={"batch_id": batch_id, "submission_id": str(sid), "items": len(rows), "how": counted})
    return {counted: len(rows)}


def _record(conn: psycopg.Connection, sid: UUID, batch_id: str, file_id: str, status: str, items: int) -> None:
    """The intent's batch, known: recorded for the collector; the rows are in it (no longer in the intent)."""
    conn.execute("INSERT INTO wellness.ai_batches (id, input_file_id, items, status) VALUES (%s, %s, %s, %s) "
                 "ON CONFLICT (id) DO NOTHING", (batch_id, file_id, items, status))
    conn.execute("UPDATE wellness.conversations SET batch_id = %s, submission_id = NULL WHERE submission_id = %s", (batch_id, sid))
    conn.execute("UPDATE wellness.ai_submissions SET batch_id = %s, resolved_at = now(), claimed_until = NULL, last_error = NULL "
                 "WHERE id = %s", (batch_id, sid))


def _abandon(conn: psycopg.Connection, settings: WellnessSettings, sid: UUID) -> None:
    """OpenAI holds no batch of the intent after :data:`MAX_SUBMIT_ATTEMPTS` tries: its rows give
    their reservations back and count a failed attempt (pending again, or failed at the last)."""
    rows = conn.execute("SELECT * FROM wellness.conversations WHERE submission_id = %s FOR UPDATE", (sid,)).fetchall()
    for row in rows:
        generation.settle(conn, row["user_id"], row["reserved_day"], row["reserved_usd"], Decimal(0))
        conn.execute("UPDATE wellness.conversations SET submission_id = NULL, reserved_usd = NULL, reserved_day = NULL "
                     "WHERE id = %s", (row["id"],))
        repo.mark_attempt_failed(conn, row["id"], "provider_error: the batch could not be submitted", settings.ai_max_attempts)
    conn.execute("UPDATE wellness.ai_submissions SET resolved_at = now(), claimed_until = NULL WHERE id = %s", (sid,))
    logger.error("batch submission abandoned", extra={"submission_id": str(sid), "items": len(rows)})


def _unlease(conn_factory: Callable[[], Any], sid: UUID, exc: Exception) -> None:
    """Give the lease back with the error (best effort: with the database down the lease expires)."""
    try:
        with conn_factory() as conn:
            conn.execute("UPDATE wellness.ai_submissions SET claimed_until = NULL, last_error = %s WHERE id = %s",
                         (f"{type(exc).__name__}: {exc}"[:1000], sid))
    except Exception:  # noqa: BLE001 - the first error is the one raised
        logger.exception("could not release the submission lease", extra={"submission_id": str(sid)})


def collect(conn_factory: Callable[[], Any], settings: WellnessSettings) -> dict[str, int]:
    """Apply every terminal open batch (each in its own transaction from ``conn_factory``)."""
    totals = {"batches": 0, "ready": 0, "retry": 0, "failed": 0, "resubmitted": 0}
    with conn_factory() as conn:
        open_batches = [r["id"] for r in conn.execute("SELECT id FROM wellness.ai_batches WHERE collected_at IS NULL ORDER BY submitted_at").fetchall()]
    for batch_id in open_batches:
        state = provider.batch_state(settings, batch_id)
        if state["status"] not in provider.TERMINAL:
            with conn_factory() as conn:
                conn.execute("UPDATE wellness.ai_batches SET status = %s WHERE id = %s", (state["status"], batch_id))
            continue
        outputs = provider.file_lines(settings, state.get("output_file_id"))
        errors = provider.file_lines(settings, state.get("error_file_id"))
        with conn_factory() as conn:
            if conn.execute("SELECT 1 FROM wellness.ai_batches WHERE id = %s AND collected_at IS NULL FOR UPDATE", (batch_id,)).fetchone() is None:
                continue
            for k, v in apply_batch(conn, settings, batch_id, outputs, errors).items():
                totals[k] += v
            conn.execute("UPDATE wellness.ai_batches SET status = %s, collected_at = now() WHERE id = %s", (state["status"], batch_id))
        totals["batches"] += 1
    return totals


def apply_batch(conn: psycopg.Connection, settings: WellnessSettings, batch_id: str, outputs: list[dict[str, Any]],
                errors: list[dict[str, Any]]) -> dict[str, int]:
    """Apply a terminal batch's output and error lines to its rows (see the module docstring)."""
    out = {"ready": 0, "retry": 0, "failed": 0, "resubmitted": 0}
    rows = {str(r["id"]): r for r in conn.execute(
        "SELECT * FROM wellness.conversations WHERE batch_id = %s AND status = 'pending' FOR UPDATE", (batch_id,)).fetchall()}
    for line in outputs + errors:
        row = rows.pop(str(line.get("custom_id")), None)
        if row is None:
            continue  # not ours, or already applied
        response = line.get("response") or {}
        error = line.get("error")
        if response.get("status_code") == 200 and not error:
            status = generation.apply_answer(conn, settings, row, provider.answer_from_body(response.get("body") or {}), mode="batch")
        elif (error or {}).get("code") == "batch_expired":
            generation.settle(conn, row["user_id"], row["reserved_day"], row["reserved_usd"], Decimal(0))
            conn.execute("UPDATE wellness.conversations SET batch_id = NULL, reserved_usd = NULL, reserved_day = NULL WHERE id = %s", (row["id"],))
            out["resubmitted"] += 1
            continue
        else:
            generation.settle(conn, row["user_id"], row["reserved_day"], row["reserved_usd"], Decimal(0))
            repo.release(conn, row["id"])
            found = error or ((response or {}).get("body") or {}).get("error") or {}
            logger.warning("batch line failed", extra={"conversation_id": str(row["id"]),
                                                       "error": str(found.get("message") or found)[:500]})
            reason = provider.error_reason((response or {}).get("status_code"), found, "error")
            status = repo.mark_attempt_failed(conn, row["id"], reason[:500], settings.ai_max_attempts)
        out["ready" if status == "ready" else "retry" if status == "pending" else "failed"] += 1
    for row in rows.values():  # no line at all (expired, failed, cancelled batch): back to submit
        generation.settle(conn, row["user_id"], row["reserved_day"], row["reserved_usd"], Decimal(0))
        conn.execute("UPDATE wellness.conversations SET batch_id = NULL, reserved_usd = NULL, reserved_day = NULL WHERE id = %s", (row["id"],))
        out["resubmitted"] += 1
    return out


def now_utc() -> datetime:
    return datetime.now(timezone.utc)
