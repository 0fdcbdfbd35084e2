"""The nightly conversations (06:00) and journals (23:00) in each user's own time zone, through the
OpenAI Batch API at half price (issue 11 item 3; document 001 "Daily Conversation Generation (6 AM)",
"Daily Journal Generation (11 PM)").

Three steps, each safe to run again:

* **plan** (every 15 minutes, like ``wellness.jobs.nightly``): users whose local clock passed 06:00
  (23:00) and not yet planned for their local date (``wellness.ai_plan_runs``) get pending rows with their request built: one conversation about yesterday
  (type and mood from their active patterns) of their active devices and the day's top 3 apps;
  journals of today for each active device and the day's top apps (at most 50). The unique indexes
  on (user, day[, subject]) make a rerun add nothing.
* **submit**: pending nightly rows in no batch are written as JSONL (``custom_id`` = the row id),
  after reserving their estimated cost (batch price) per user and globally, uploaded
  (``files.create``) and started (``batches.create``); without an API key they are written by the
  offline generator instead. Rows over budget are ``failed`` with ``budget_exceeded``.
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
from uuid import UUID

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
WHERE status = 'pending' AND origin = 'nightly' AND batch_id IS NULL
ORDER BY created_at, id LIMIT %s FOR UPDATE SKIP LOCKED
"""


def submit(conn: psycopg.Connection, settings: WellnessSettings, limit: int = BATCH_MAX) -> dict[str, int]:
    """Send the pending nightly rows in no batch (one batch), or write them offline without an API key."""
    rows = conn.execute(PENDING, (limit if settings.openai_key() else min(limit, OFFLINE_MAX),)).fetchall()
    if not rows:
        return {"submitted": 0}
    if not settings.openai_key():
        for row in rows:
            generation.write_offline(conn, row)
        return {"offline": len(rows)}
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
        return {"submitted": 0, "over_budget": refused}
    batch_id, file_id, status = provider.submit_batch(settings, build_jsonl(taken), {"product": "wellness"})
    conn.execute("INSERT INTO wellness.ai_batches (id, input_file_id, items, status) VALUES (%s, %s, %s, %s)",
                 (batch_id, file_id, len(taken), status))
    conn.execute(
        "UPDATE wellness.conversations c SET batch_id = %s, reserved_usd = x.est, reserved_day = %s "
        "FROM unnest(%s::uuid[], %s::numeric[]) AS x(id, est) WHERE c.id = x.id",
        (batch_id, day, [r["id"] for r in taken], [r["estimate"] for r in taken]))
    logger.info("batch submitted", extra={"batch_id": batch_id, "items": len(taken)})
    return {"submitted": len(taken), "over_budget": refused}


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
            message = (error or {}).get("message") or ((response.get("body") or {}).get("error") or {}).get("message") or "error"
            status = repo.mark_attempt_failed(conn, row["id"], f"provider_error: {message}"[:500], settings.ai_max_attempts)
        out["ready" if status == "ready" else "retry" if status == "pending" else "failed"] += 1
    for row in rows.values():  # no line at all (expired, failed, cancelled batch): back to submit
        generation.settle(conn, row["user_id"], row["reserved_day"], row["reserved_usd"], Decimal(0))
        conn.execute("UPDATE wellness.conversations SET batch_id = NULL, reserved_usd = NULL, reserved_day = NULL WHERE id = %s", (row["id"],))
        out["resubmitted"] += 1
    return out


def now_utc() -> datetime:
    return datetime.now(timezone.utc)
