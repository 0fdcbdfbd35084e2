"""SQL of conversations and journals, their generation records, budgets and batches. Functions take
``conn`` (the caller owns the transaction) and filter by ``user_id`` wherever a user acts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb

from backlot.pagination import Keyset, keyset_sql

from wellness.notifications.events import Event, notify

PUBLIC = """
SELECT id, kind, origin, conversation_type, mood, for_date, subject_kind, subject_id, participants, status,
       provider, model, title, turns, entry, failure_reason, attempts, rating, is_favorite, feedback,
       created_at, updated_at, generated_at
FROM wellness.conversations c
"""

# ------------------------------------------------------------------ participants and context


def devices_of(conn: psycopg.Connection, user_id: UUID, device_ids: list[UUID]) -> list[dict[str, Any]]:
    """The user's devices among ``device_ids`` as participants ``{kind, id, name, personality}``."""
    return conn.execute(
        "SELECT 'device' AS kind, id::text AS id, name, personality_type AS personality FROM wellness.devices "
        "WHERE user_id = %s AND id = ANY(%s) ORDER BY array_position(%s::uuid[], id)",
        (user_id, device_ids, device_ids)).fetchall()


def apps_of(conn: psycopg.Connection, user_id: UUID, app_ids: list[UUID]) -> list[dict[str, Any]]:
    """The registry apps among ``app_ids`` that the user has on a device, as participants (the
    user's nickname and personality override win; ``key`` is the package name)."""
    return conn.execute(
        """SELECT DISTINCT ON (a.id) 'app' AS kind, a.id::text AS id, COALESCE(da.nickname, a.name) AS name,
                  COALESCE(da.personality_override, a.personality_type) AS personality, a.package_name AS key
           FROM wellness.apps a JOIN wellness.device_apps da ON da.app_id = a.id AND da.user_id = %s
           WHERE a.id = ANY(%s) ORDER BY a.id, da.created_at""",
        (user_id, app_ids)).fetchall()


def local_today(conn: psycopg.Connection, user_id: UUID) -> date:
    """The user's local date now (profile time zone, UTC without a profile)."""
    return conn.execute(
        "SELECT (now() AT TIME ZONE COALESCE((SELECT time_zone FROM wellness.profiles WHERE user_id = %s), 'UTC'))::date AS d",
        (user_id,)).fetchone()["d"]


CONTEXT_DAY = """
SELECT x.user_id, x.d AS for_date,
       (SELECT jsonb_build_object('screen_time_minutes', sum(t.screen_time_minutes), 'unlocks', sum(t.unlocks),
                                  'notifications', sum(t.notifications))
        FROM wellness.device_day_totals t WHERE t.user_id = x.user_id AND t.usage_date = x.d) AS totals,
       (SELECT COALESCE(jsonb_agg(jsonb_build_object('key', s.app_key, 'name', s.app_name, 'category', s.category,
                                                     'minutes', s.minutes) ORDER BY s.minutes DESC, s.app_key), '[]')
        FROM (SELECT u.app_key, max(u.app_name) AS app_name, max(u.category) AS category, COALESCE(round(sum(u.minutes))::int, 0) AS minutes
              FROM wellness.app_daily_usage u WHERE u.user_id = x.user_id AND u.usage_date = x.d
              GROUP BY u.app_key ORDER BY sum(u.minutes) DESC, u.app_key LIMIT %(top)s) s) AS top_apps,
       (SELECT COALESCE(jsonb_agg(jsonb_build_object('kind', 'device', 'id', v.id::text, 'name', v.name,
                                                     'personality', v.personality_type) ORDER BY v.is_primary DESC, v.created_at), '[]')
        FROM wellness.devices v WHERE v.user_id = x.user_id AND v.is_active) AS devices,
       (SELECT COALESCE(jsonb_agg(jsonb_build_object('type', p.pattern_type, 'severity', p.severity) ORDER BY p.pattern_type), '[]')
        FROM wellness.patterns p WHERE p.user_id = x.user_id AND p.status = 'active') AS patterns
FROM unnest(%(users)s::uuid[], %(days)s::date[]) AS x(user_id, d)
"""


def contexts(conn: psycopg.Connection, users: list[UUID], days: list[date], *, top: int = 10) -> dict[UUID, dict[str, Any]]:
    """Per user, the day's figures: ``{"usage": {screen_time_minutes, unlocks, notifications,
    top_apps: [{key, name, category, minutes}]}, "patterns": [{type, severity}], "devices":
    [participant]}`` (active devices, primary first). Set-based: one statement for all users."""
    out = {}
    for r in conn.execute(CONTEXT_DAY, {"users": users, "days": days, "top": top}).fetchall():
        usage = dict(r["totals"] or {})
        usage["top_apps"] = r["top_apps"]
        out[r["user_id"]] = {"usage": usage, "patterns": r["patterns"], "devices": r["devices"]}
    return out


# ------------------------------------------------------------------ rows


def insert(conn: psycopg.Connection, user_id: UUID, values: dict[str, Any]) -> UUID:
    """A new pending row; returns its id."""
    return conn.execute(
        """INSERT INTO wellness.conversations (user_id, kind, origin, conversation_type, mood, for_date, subject_kind,
               subject_id, participants, request) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id""",
        (user_id, values["kind"], values["origin"], values.get("conversation_type"), values["mood"], values["for_date"],
         values.get("subject_kind"), values.get("subject_id"), Jsonb(values["participants"]),
         Jsonb(values["request"]) if values.get("request") else None)).fetchone()["id"]


def get(conn: psycopg.Connection, user_id: UUID, row_id: UUID) -> dict[str, Any] | None:
    """One row of the user (None: no such row, or another user's)."""
    return conn.execute(f"{PUBLIC} WHERE user_id = %s AND id = %s", (user_id, row_id)).fetchone()


def list_rows(conn: psycopg.Connection, user_id: UUID, kind: str, filters: dict[str, Any], key: Keyset | None,
              limit: int) -> list[dict[str, Any]]:
    """``limit + 1`` rows of the user, newest first, with the filters given (``conversation_type``,
    ``mood``, ``is_favorite``, ``status``, ``device_id``, ``app_id``, ``date``, ``subject_kind``)."""
    cond, order, params = keyset_sql("created_at", "id", key, descending=True)
    where = ["user_id = %s", "kind = %s"]
    args: list[Any] = [user_id, kind]
    for column in ("conversation_type", "mood", "is_favorite", "status", "subject_kind"):
        if filters.get(column) is not None:
            where.append(f"{column} = %s")
            args.append(filters[column])
    if filters.get("date") is not None:
        where.append("for_date = %s")
        args.append(filters["date"])
    for who in ("device", "app"):
        if filters.get(f"{who}_id") is not None:
            where.append("participants @> %s")
            args.append(Jsonb([{"kind": who, "id": str(filters[f'{who}_id'])}]))
    return conn.execute(f"{PUBLIC} WHERE {' AND '.join(where)} AND {cond} ORDER BY {order} LIMIT %s",
                        (*args, *params, limit + 1)).fetchall()


def update_user_fields(conn: psycopg.Connection, user_id: UUID, row_id: UUID, sql_set: str, args: tuple[Any, ...]) -> bool:
    """Set user-owned columns (rating, favourite, feedback) of one row of the user; False when none."""
    return conn.execute(f"UPDATE wellness.conversations SET {sql_set}, updated_at = now() WHERE user_id = %s AND id = %s",
                        (*args, user_id, row_id)).rowcount == 1


def lock(conn: psycopg.Connection, row_id: UUID) -> dict[str, Any] | None:
    """The row with its request, locked for its generation (jobs: no user filter, the id is ours)."""
    return conn.execute("SELECT * FROM wellness.conversations WHERE id = %s FOR UPDATE", (row_id,)).fetchone()


def set_request(conn: psycopg.Connection, row_id: UUID, request: dict[str, Any]) -> None:
    conn.execute("UPDATE wellness.conversations SET request = %s WHERE id = %s", (Jsonb(request), row_id))


def mark_ready(conn: psycopg.Connection, row_id: UUID, provider: str, model: str, parsed: dict[str, Any]) -> None:
    """Store the text; the row becomes ``ready`` and its user is notified in this transaction
    (``wellness.notifications.events``: a conversation each, journals once per user and date)."""
    row = conn.execute(
        """UPDATE wellness.conversations SET status = 'ready', provider = %s, model = %s, title = %s, turns = %s,
               entry = %s, failure_reason = NULL, batch_id = NULL, attempts = attempts + 1, generated_at = now(),
               updated_at = now() WHERE id = %s AND status IN ('pending', 'generating')
           RETURNING id, user_id, kind, conversation_type, mood, for_date, status, failure_reason""",
        (provider, model, parsed["title"], Jsonb(parsed["turns"]) if "turns" in parsed else None, parsed.get("entry"), row_id)).fetchone()
    if row is not None:
        notify_status(conn, row)


def mark_attempt_failed(conn: psycopg.Connection, row_id: UUID, reason: str, max_attempts: int, *, final: bool = False) -> str:
    """Count a failed attempt: ``failed`` for good when ``final`` or the attempts reach
    ``max_attempts``, else back to ``pending`` (to be retried) with the reason kept. The turns a
    streamed attempt wrote so far are dropped (the retry writes its own). The user is notified of a
    final failure in this transaction. Returns the status."""
    row = conn.execute(
        """UPDATE wellness.conversations SET attempts = attempts + 1, failure_reason = %s, batch_id = NULL, turns = NULL,
               status = CASE WHEN %s OR attempts + 1 >= %s THEN 'failed' ELSE 'pending' END, updated_at = now()
           WHERE id = %s AND status IN ('pending', 'generating')
           RETURNING id, user_id, kind, conversation_type, mood, for_date, status, failure_reason""",
        (reason[:1000], final, max_attempts, row_id)).fetchone()
    notify_status(conn, row)
    return row["status"]


def notify_status(conn: psycopg.Connection, row: dict[str, Any]) -> None:
    """The notification of a row that just became ``ready`` or ``failed`` (nothing for ``pending``,
    nor for a failed journal: the nightly retries and the feed has the conversations)."""
    if row["kind"] == "journal":
        if row["status"] == "ready":
            notify(conn, row["user_id"], Event.journal_ready, {"for_date": row["for_date"]},
                   dedupe_key=row["for_date"].isoformat())
        return
    if row["status"] not in ("ready", "failed"):
        return
    data = {"conversation_id": row["id"], "conversation_type": row["conversation_type"], "mood": row["mood"],
            "for_date": row["for_date"]}
    if row["status"] == "failed":
        notify(conn, row["user_id"], Event.conversation_failed, {**data, "reason": row["failure_reason"]})
    else:
        notify(conn, row["user_id"], Event.conversation_ready, data)


def record_generation(conn: psycopg.Connection, row: dict[str, Any], *, provider: str, model: str, mode: str,
                      input_tokens: int, output_tokens: int, cost_usd: Decimal, outcome: str, reason: str | None) -> None:
    conn.execute(
        """INSERT INTO wellness.ai_generations (conversation_id, user_id, provider, model, mode, input_tokens,
               output_tokens, cost_usd, outcome, reason) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
        (row["id"], row["user_id"], provider, model, mode, input_tokens, output_tokens, cost_usd, outcome, reason))


# ------------------------------------------------------------------ budgets


def reserve(conn: psycopg.Connection, day: date, user_id: UUID | None, amount: Decimal, limit: Decimal) -> bool:
    """Add ``amount`` to the spend of ``day`` of the user (``None``: the global budget) unless that
    passes ``limit`` (one conditional upsert: the row lock makes concurrent reservations queue, so
    their sum never passes). The unique index is NULLS NOT DISTINCT: one global row a day."""
    row = conn.execute(
        """INSERT INTO wellness.ai_budget AS b (day, user_id, reserved_usd) SELECT %(day)s, %(user)s, %(amount)s
           WHERE %(amount)s <= %(limit)s
           ON CONFLICT (day, user_id) DO UPDATE SET reserved_usd = b.reserved_usd + EXCLUDED.reserved_usd
           WHERE b.reserved_usd + EXCLUDED.reserved_usd <= %(limit)s RETURNING reserved_usd""",
        {"day": day, "user": user_id, "amount": amount, "limit": limit}).fetchone()
    return row is not None


def adjust(conn: psycopg.Connection, day: date, user_id: UUID | None, delta: Decimal) -> None:
    """Settle a reservation of the user (``None``: global): add ``delta`` (real cost - estimate;
    negative gives back)."""
    conn.execute("UPDATE wellness.ai_budget SET reserved_usd = GREATEST(0, reserved_usd + %s) "
                 "WHERE day = %s AND user_id IS NOT DISTINCT FROM %s", (delta, day, user_id))


def spent(conn: psycopg.Connection, day: date, user_id: UUID | None) -> Decimal:
    """The spend (reserved and settled) of ``day`` for the user (``None``: global); 0 without a row."""
    row = conn.execute("SELECT reserved_usd FROM wellness.ai_budget WHERE day = %s AND user_id IS NOT DISTINCT FROM %s",
                       (day, user_id)).fetchone()
    return row["reserved_usd"] if row else Decimal(0)


def costs(conn: psycopg.Connection, since: date, until: date) -> list[dict[str, Any]]:
    """Spend per UTC day and model: generations, tokens, cost."""
    return conn.execute(
        """SELECT (created_at AT TIME ZONE 'UTC')::date AS day, model, mode, count(*) AS generations,
                  sum(input_tokens)::bigint AS input_tokens, sum(output_tokens)::bigint AS output_tokens,
                  sum(cost_usd)::float8 AS cost_usd
           FROM wellness.ai_generations WHERE created_at >= %s AND created_at < %s::date + 1
           GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""", (since, until)).fetchall()


def registry_apps(conn: psycopg.Connection, keys: list[str]) -> dict[str, dict[str, Any]]:
    """Registry apps by package name (the app key of usage rows when it is a package name)."""
    rows = conn.execute("SELECT id::text AS id, package_name, personality_type FROM wellness.apps WHERE package_name = ANY(%s)",
                        (keys,)).fetchall()
    return {r["package_name"]: r for r in rows}


def claim(conn: psycopg.Connection, row_id: UUID, seconds: int, reserved: Decimal | None, day: date | None) -> datetime:
    """Claim the row for a call of at most ``seconds``, with its reservation; turns left by an
    attempt that died mid-stream are dropped (status back to ``pending``). Returns the claim's
    ``claimed_until``, the token of this attempt: a later attempt that takes an expired claim over
    writes its own (the transaction's ``now()`` plus ``seconds``, microseconds)."""
    return conn.execute(
        "UPDATE wellness.conversations SET claimed_until = now() + make_interval(secs => %s), reserved_usd = %s, "
        "reserved_day = %s, status = 'pending', turns = NULL WHERE id = %s RETURNING claimed_until",
        (seconds, reserved, day, row_id)).fetchone()["claimed_until"]


def write_progress(conn: psycopg.Connection, row_id: UUID, turns: list[dict[str, Any]], claim_token: datetime) -> bool:
    """The turns streamed so far, shown in status ``generating`` while the row is still claimed by
    this call (``claim_token``, from :func:`claim`, not yet past; False: the claim is gone or was
    taken over by another attempt; nothing written)."""
    return conn.execute(
        "UPDATE wellness.conversations SET status = 'generating', turns = %s, updated_at = now() "
        "WHERE id = %s AND status IN ('pending', 'generating') AND claimed_until = %s AND claimed_until > now()",
        (Jsonb(turns), row_id, claim_token)).rowcount == 1


def release(conn: psycopg.Connection, row_id: UUID) -> None:
    conn.execute("UPDATE wellness.conversations SET claimed_until = NULL, reserved_usd = NULL, reserved_day = NULL "
                 "WHERE id = %s", (row_id,))
