"""SQL of the analytics computation (psycopg 3, hand-written): set-based over any set of users.

Every statement works on a *target set* held in temporary tables of the current transaction:
``_targets(user_id, stat_date)`` (the user-days to recompute) and ``_users(user_id, local_today,
as_of)`` (whose patterns and statistics to recompute). The nightly run fills them with every due
user at once; ``wellness.analytics.recalculate`` with one user and the uploaded dates. Same SQL,
so both give the same result (tested).

Local dates: usage days are the dates the client sent; sessions and unlock events are placed on
the local date of their own offset (``utc_offset_seconds``, WELLNESS.md); "today" is the date in
the user's profile time zone (``wellness.profiles.time_zone``, UTC without a profile).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb

from wellness.domain.patterns import Outcome, Verdict
from wellness.domain.score import CATEGORY_LEVELS, NEUTRAL_LEVEL

SOCIAL_CATEGORIES = ["social", "social networking"]


def _levels() -> dict[str, Any]:
    return {"level_names": list(CATEGORY_LEVELS), "level_values": list(CATEGORY_LEVELS.values()),
            "neutral": NEUTRAL_LEVEL, "social": SOCIAL_CATEGORIES}


def create_targets(conn: psycopg.Connection, pairs: Iterable[tuple[UUID, date]]) -> int:
    """Fill ``_targets`` with explicit (user, local date) pairs; returns how many."""
    users, dates = [], []
    for u, d in pairs:
        users.append(u)
        dates.append(d)
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS _targets (user_id uuid, stat_date date, PRIMARY KEY (user_id, stat_date)) ON COMMIT DROP")
    conn.execute("TRUNCATE _targets")
    conn.execute(
        "INSERT INTO _targets SELECT DISTINCT * FROM unnest(%s::uuid[], %s::date[]) ON CONFLICT DO NOTHING",
        (users, dates),
    )
    conn.execute("ANALYZE _targets")
    return len(users)


def create_targets_range(conn: psycopg.Connection, users: Sequence[UUID], first: date, last: date) -> None:
    """Fill ``_targets`` with every day ``first..last`` of each of ``users`` (set-based)."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS _targets (user_id uuid, stat_date date, PRIMARY KEY (user_id, stat_date)) ON COMMIT DROP")
    conn.execute("TRUNCATE _targets")
    conn.execute(
        "INSERT INTO _targets SELECT u, d::date FROM unnest(%s::uuid[]) u, generate_series(%s::date, %s::date, interval '1 day') d",
        (list(users), first, last),
    )
    conn.execute("ANALYZE _targets")


DAILY_STATS = """
WITH levels AS (
    SELECT * FROM unnest(%(level_names)s::text[], %(level_values)s::int[]) AS l(category, level)
),
app AS (
    SELECT a.device_id, a.usage_date,
           sum(a.minutes) AS app_minutes,
           count(*) FILTER (WHERE a.minutes >= 1) AS apps_used,
           sum(a.launches) AS launches,
           sum(a.minutes) FILTER (WHERE a.launches > 0) AS launch_minutes,
           max(a.minutes / a.launches) FILTER (WHERE a.launches > 0) AS max_mpl,
           bool_or(a.category IS NOT NULL) AS has_cat,
           sum(a.minutes) FILTER (WHERE lower(a.category) = ANY(%(social)s)) AS social,
           sum(a.minutes) FILTER (WHERE a.category IS NOT NULL) AS cat_minutes,
           sum(a.minutes * COALESCE(l.level, %(neutral)s)) FILTER (WHERE a.category IS NOT NULL) AS level_minutes
    FROM _targets t
    JOIN wellness.app_daily_usage a ON a.user_id = t.user_id AND a.usage_date = t.stat_date
    LEFT JOIN levels l ON l.category = lower(a.category)
    GROUP BY a.device_id, a.usage_date
),
cat AS (
    SELECT c.device_id, c.usage_date,
           sum(c.minutes) AS cat_minutes,
           COALESCE(sum(c.minutes) FILTER (WHERE lower(c.category) = ANY(%(social)s)), 0) AS social,
           sum(c.minutes * COALESCE(l.level, %(neutral)s)) AS level_minutes
    FROM _targets t
    JOIN wellness.category_daily_usage c ON c.user_id = t.user_id AND c.usage_date = t.stat_date
    LEFT JOIN levels l ON l.category = lower(c.category)
    GROUP BY c.device_id, c.usage_date
),
dev AS (
    SELECT d.user_id, d.usage_date AS stat_date,
           sum(COALESCE(d.screen_time_minutes, LEAST(1440, round(COALESCE(app.app_minutes, cat.cat_minutes))))) AS screen,
           sum(d.unlocks) AS unlocks,
           sum(d.notifications) AS notifications,
           min(d.first_pickup) FILTER (WHERE d.first_pickup >= time '04:00') AS first_pickup,
           -- categories sent explicitly win over the categories of app rows (the same minutes)
           sum(COALESCE(cat.social, CASE WHEN app.has_cat THEN COALESCE(app.social, 0) END)) AS social,
           sum(COALESCE(cat.level_minutes, app.level_minutes)) AS level_minutes,
           sum(COALESCE(cat.cat_minutes, app.cat_minutes)) AS cat_minutes,
           sum(app.apps_used) AS apps_used,
           sum(app.launches) AS launches,
           sum(app.launch_minutes) AS launch_minutes,
           max(app.max_mpl) AS max_mpl
    FROM _targets t
    JOIN wellness.daily_usage d ON d.user_id = t.user_id AND d.usage_date = t.stat_date
    LEFT JOIN app ON app.device_id = d.device_id AND app.usage_date = d.usage_date
    LEFT JOIN cat ON cat.device_id = d.device_id AND cat.usage_date = d.usage_date
    GROUP BY d.user_id, d.usage_date
),
s_local AS (
    SELECT t.user_id, t.stat_date,
           (s.started_at AT TIME ZONE 'UTC') + make_interval(secs => s.utc_offset_seconds) AS ls,
           (s.ended_at AT TIME ZONE 'UTC') + make_interval(secs => s.utc_offset_seconds) AS le,
           extract(epoch FROM s.ended_at - s.started_at) / 60.0 AS minutes
    FROM _targets t
    JOIN wellness.app_sessions s ON s.user_id = t.user_id
     AND s.started_at >= t.stat_date - interval '1 day' AND s.started_at < t.stat_date + interval '2 days'
    WHERE ((s.started_at AT TIME ZONE 'UTC') + make_interval(secs => s.utc_offset_seconds))::date = t.stat_date
),
sess AS (
    SELECT user_id, stat_date,
           count(*) AS sessions,
           count(*) FILTER (WHERE minutes < 2) AS short_sessions,
           count(*) FILTER (WHERE minutes >= 60) AS long_sessions,
           max(minutes) AS longest,
           sum(minutes) AS minutes,
           min(ls::time) FILTER (WHERE ls::time >= time '04:00') AS first_use,
           sum(
               greatest(0, extract(epoch FROM least(le, stat_date + time '04:00') - greatest(ls, stat_date + time '00:00')))
             + greatest(0, extract(epoch FROM least(le, stat_date + 1 + time '04:00') - greatest(ls, stat_date + time '23:00')))
           ) / 60.0 AS night_minutes
    FROM s_local GROUP BY user_id, stat_date
),
unl AS (
    SELECT t.user_id, t.stat_date,
           count(*) AS unlocks,
           count(*) FILTER (WHERE lt::time >= time '23:00' OR lt::time < time '04:00') AS night,
           min(lt::time) FILTER (WHERE lt::time >= time '04:00') AS first_use
    FROM _targets t
    JOIN wellness.unlock_events e ON e.user_id = t.user_id
     AND e.occurred_at >= t.stat_date - interval '1 day' AND e.occurred_at < t.stat_date + interval '2 days'
    CROSS JOIN LATERAL (SELECT (e.occurred_at AT TIME ZONE 'UTC') + make_interval(secs => e.utc_offset_seconds) AS lt) x
    WHERE lt::date = t.stat_date
    GROUP BY t.user_id, t.stat_date
),
day AS (
    SELECT t.user_id, t.stat_date,
           COALESCE(dev.screen, CASE WHEN sess.minutes IS NOT NULL THEN least(1440, round(sess.minutes)) END) AS screen,
           COALESCE(dev.unlocks, unl.unlocks) AS unlocks,
           dev.notifications,
           LEAST(extract(hour FROM dev.first_pickup) * 60 + extract(minute FROM dev.first_pickup),
                 extract(hour FROM sess.first_use) * 60 + extract(minute FROM sess.first_use),
                 extract(hour FROM unl.first_use) * 60 + extract(minute FROM unl.first_use)) AS first_use_minute,
           sess.night_minutes, unl.night AS night_unlocks,
           dev.social, dev.level_minutes, dev.cat_minutes, dev.apps_used, dev.launches, dev.launch_minutes, dev.max_mpl,
           sess.sessions, sess.short_sessions, sess.long_sessions, sess.longest
    FROM _targets t
    LEFT JOIN dev ON dev.user_id = t.user_id AND dev.stat_date = t.stat_date
    LEFT JOIN sess ON sess.user_id = t.user_id AND sess.stat_date = t.stat_date
    LEFT JOIN unl ON unl.user_id = t.user_id AND unl.stat_date = t.stat_date
    WHERE dev.stat_date IS NOT NULL OR sess.stat_date IS NOT NULL OR unl.stat_date IS NOT NULL
)
INSERT INTO wellness.user_daily_stats AS u (
    user_id, stat_date, screen_time_minutes, unlocks, notifications, first_use_minute, night_minutes,
    night_unlocks, social_minutes, level_minutes, categorized_minutes, distinct_apps, launches,
    launch_minutes, max_minutes_per_launch, sessions, short_sessions, long_sessions,
    longest_session_minutes, computed_at)
SELECT user_id, stat_date, screen, unlocks, notifications, first_use_minute, round(night_minutes, 1),
       night_unlocks, social, level_minutes, cat_minutes, apps_used, launches,
       launch_minutes, round(max_mpl, 1), sessions, short_sessions, long_sessions,
       round(longest, 1), now()
FROM day
ON CONFLICT (user_id, stat_date) DO UPDATE SET
    screen_time_minutes = EXCLUDED.screen_time_minutes, unlocks = EXCLUDED.unlocks,
    notifications = EXCLUDED.notifications, first_use_minute = EXCLUDED.first_use_minute,
    night_minutes = EXCLUDED.night_minutes, night_unlocks = EXCLUDED.night_unlocks,
    social_minutes = EXCLUDED.social_minutes, level_minutes = EXCLUDED.level_minutes,
    categorized_minutes = EXCLUDED.categorized_minutes, distinct_apps = EXCLUDED.distinct_apps,
    launches = EXCLUDED.launches, launch_minutes = EXCLUDED.launch_minutes,
    max_minutes_per_launch = EXCLUDED.max_minutes_per_launch, sessions = EXCLUDED.sessions,
    short_sessions = EXCLUDED.short_sessions, long_sessions = EXCLUDED.long_sessions,
    longest_session_minutes = EXCLUDED.longest_session_minutes, computed_at = now()
"""


def refresh_daily_stats(conn: psycopg.Connection) -> int:
    """Recompute ``user_daily_stats`` for every pair in ``_targets`` (a pair with no data left
    loses its row); returns the rows written. The caller holds the users' advisory locks
    (``wellness.analytics.lock_users``), so deleting then inserting cannot race another run."""
    conn.execute("DELETE FROM wellness.user_daily_stats u USING _targets t WHERE u.user_id = t.user_id AND u.stat_date = t.stat_date")
    return conn.execute(DAILY_STATS, _levels()).rowcount


GOAL_PROGRESS = """
WITH measured AS (
    SELECT g.id AS goal_id, t.stat_date, g.user_id, g.target,
           CASE g.goal_type
               WHEN 'daily_screen_time' THEN s.screen_time_minutes
               WHEN 'unlocks' THEN s.unlocks
               WHEN 'app_time' THEN CASE WHEN s.distinct_apps IS NOT NULL THEN COALESCE(
                   (SELECT sum(a.minutes) FROM wellness.app_daily_usage a
                    WHERE a.user_id = g.user_id AND a.usage_date = t.stat_date AND a.app_key = g.app_key), 0) END
               WHEN 'category_time' THEN CASE WHEN s.categorized_minutes IS NOT NULL THEN COALESCE(
                   (SELECT sum(c.minutes) FROM wellness.category_daily_usage c
                    WHERE c.user_id = g.user_id AND c.usage_date = t.stat_date AND lower(c.category) = lower(g.category)),
                   (SELECT sum(a.minutes) FROM wellness.app_daily_usage a
                    WHERE a.user_id = g.user_id AND a.usage_date = t.stat_date AND lower(a.category) = lower(g.category)), 0) END
           END AS value
    FROM _targets t
    JOIN wellness.goals g ON g.user_id = t.user_id AND g.is_active AND (g.start_date IS NULL OR t.stat_date >= g.start_date)
    LEFT JOIN wellness.user_daily_stats s ON s.user_id = t.user_id AND s.stat_date = t.stat_date
),
gone AS (
    DELETE FROM wellness.goal_progress p USING _targets t
    WHERE p.user_id = t.user_id AND p.progress_date = t.stat_date
      AND NOT EXISTS (SELECT 1 FROM measured m WHERE m.goal_id = p.goal_id AND m.stat_date = p.progress_date AND m.value IS NOT NULL)
)
INSERT INTO wellness.goal_progress (goal_id, progress_date, user_id, value, target, achieved, computed_at)
SELECT goal_id, stat_date, user_id, value, target, value <= target, now() FROM measured WHERE value IS NOT NULL
ON CONFLICT (goal_id, progress_date) DO UPDATE SET
    value = EXCLUDED.value, target = EXCLUDED.target, achieved = EXCLUDED.achieved, computed_at = now()
"""

STREAK_DAYS = """
UPDATE wellness.user_daily_stats u SET
    goals_total = COALESCE(p.total, 0),
    goals_met = COALESCE(p.met, 0),
    is_streak_day = u.screen_time_minutes IS NOT NULL AND CASE WHEN COALESCE(p.total, 0) > 0
        THEN p.met >= p.total ELSE u.screen_time_minutes <= %(default_limit)s END
FROM _targets t
LEFT JOIN (SELECT p.user_id, p.progress_date, count(*) AS total, count(*) FILTER (WHERE p.achieved) AS met
           FROM wellness.goal_progress p JOIN _targets t ON t.user_id = p.user_id AND t.stat_date = p.progress_date
           JOIN wellness.goals g ON g.id = p.goal_id AND g.is_active
           GROUP BY p.user_id, p.progress_date) p ON p.user_id = t.user_id AND p.progress_date = t.stat_date
WHERE u.user_id = t.user_id AND u.stat_date = t.stat_date
"""


def refresh_goals_and_streak_days(conn: psycopg.Connection, *, default_limit: float) -> None:
    """Goal progress of every active goal on every target day with the goal's figure, then each
    target day's goal counts and streak-day flag (``wellness.domain.streaks`` rule)."""
    conn.execute(GOAL_PROGRESS)
    conn.execute(STREAK_DAYS, {"default_limit": default_limit})


def create_users(conn: psycopg.Connection, users: Sequence[UUID] | None = None) -> int:
    """Fill ``_users(user_id, local_today, as_of)``: ``users`` (None: the users of ``_targets``),
    each with today's date in their profile time zone and ``as_of``, their latest day with data
    on or before it (NULL without any)."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS _users (user_id uuid PRIMARY KEY, local_today date, as_of date) ON COMMIT DROP")
    conn.execute("TRUNCATE _users")
    if users is None:
        conn.execute("INSERT INTO _users (user_id) SELECT DISTINCT user_id FROM _targets")
    else:
        conn.execute("INSERT INTO _users (user_id) SELECT DISTINCT u FROM unnest(%s::uuid[]) u", (list(users),))
    conn.execute("""
        UPDATE _users x SET local_today = (now() AT TIME ZONE COALESCE(
            (SELECT p.time_zone FROM wellness.profiles p WHERE p.user_id = x.user_id), 'UTC'))::date""")
    conn.execute("""
        UPDATE _users x SET as_of = (SELECT max(s.stat_date) FROM wellness.user_daily_stats s
                                     WHERE s.user_id = x.user_id AND s.stat_date <= x.local_today)""")
    conn.execute("ANALYZE _users")
    return conn.execute("SELECT count(*) AS n FROM _users").fetchone()["n"]


DAY_COLUMNS = (
    "stat_date, screen_time_minutes::float8 AS screen_time_minutes, unlocks, notifications, first_use_minute, "
    "night_minutes::float8 AS night_minutes, night_unlocks, social_minutes::float8 AS social_minutes, distinct_apps, "
    "launches, launch_minutes::float8 AS launch_minutes, max_minutes_per_launch::float8 AS max_minutes_per_launch, "
    "sessions, short_sessions, long_sessions, longest_session_minutes::float8 AS longest_session_minutes, goals_total, goals_met"
)


def window_days(conn: psycopg.Connection, span_days: int) -> Iterable[tuple[UUID, date, list[tuple[Any, ...]]]]:
    """``(user_id, as_of, day rows)`` for every user of ``_users`` with data: the ``span_days``
    days ending at ``as_of``, one query for all users, ordered by user. Each day row is a tuple
    in :data:`DAY_COLUMNS` order, which is ``DayStats``' field order (``DayStats(*row)``)."""
    cur = conn.cursor(row_factory=psycopg.rows.tuple_row)
    cur.execute(
        f"SELECT u.user_id, u.as_of, {DAY_COLUMNS} FROM _users u JOIN wellness.user_daily_stats s "
        "ON s.user_id = u.user_id AND s.stat_date > u.as_of - %s AND s.stat_date <= u.as_of "
        "WHERE u.as_of IS NOT NULL ORDER BY u.user_id, s.stat_date",
        (span_days,),
    )
    current: UUID | None = None
    as_of: date | None = None
    rows: list[tuple[Any, ...]] = []
    for rec in cur:
        if rec[0] != current:
            if current is not None:
                yield current, as_of, rows  # type: ignore[misc]
            current, as_of, rows = rec[0], rec[1], []
        rows.append(rec[2:])
    if current is not None:
        yield current, as_of, rows  # type: ignore[misc]


def save_outcomes(conn: psycopg.Connection, results: Sequence[tuple[UUID, date, Outcome]]) -> dict[str, int]:
    """Write every verdict (``pattern_checks``), open or refresh the active pattern of each
    ``detected`` one, resolve the active pattern of each ``not_detected`` one. An
    ``insufficient_data`` verdict leaves an active pattern as it is (no evidence either way).
    Set-based (``unnest``); idempotent (a second run with the same input changes nothing but
    timestamps)."""
    u = [r[0] for r in results]
    conn.execute(
        """INSERT INTO wellness.pattern_checks (user_id, pattern_type, as_of, verdict, reason, metadata, checked_at)
           SELECT *, now() FROM unnest(%s::uuid[], %s::text[], %s::date[], %s::text[], %s::text[], %s::jsonb[])
           ON CONFLICT (user_id, pattern_type) DO UPDATE SET as_of = EXCLUDED.as_of, verdict = EXCLUDED.verdict,
               reason = EXCLUDED.reason, metadata = EXCLUDED.metadata, checked_at = now()""",
        (u, [r[2].pattern_type.value for r in results], [r[1] for r in results], [r[2].verdict.value for r in results],
         [r[2].reason for r in results], [Jsonb(r[2].metadata) for r in results]),
    )
    hits = [r for r in results if r[2].verdict is Verdict.DETECTED]
    opened = conn.execute(
        """INSERT INTO wellness.patterns AS p (user_id, pattern_type, severity, confidence, reason, metadata,
                                               first_detected_on, last_detected_on)
           SELECT u, t, s, c, r, m, d, d FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::numeric[], %s::text[],
                                                     %s::jsonb[], %s::date[]) AS x(u, t, s, c, r, m, d)
           ON CONFLICT (user_id, pattern_type) WHERE status = 'active' DO UPDATE SET
               severity = EXCLUDED.severity, confidence = EXCLUDED.confidence, reason = EXCLUDED.reason,
               metadata = EXCLUDED.metadata, last_detected_on = greatest(p.last_detected_on, EXCLUDED.last_detected_on),
               updated_at = now()""",
        ([r[0] for r in hits], [r[2].pattern_type.value for r in hits], [r[2].severity.value for r in hits if r[2].severity],
         [r[2].confidence for r in hits], [r[2].reason for r in hits], [Jsonb(r[2].metadata) for r in hits], [r[1] for r in hits]),
    ).rowcount
    gone = [r for r in results if r[2].verdict is Verdict.NOT_DETECTED]
    resolved = conn.execute(
        """UPDATE wellness.patterns p SET status = 'resolved', resolved_on = x.d, resolved_at = now(), updated_at = now()
           FROM unnest(%s::uuid[], %s::text[], %s::date[]) AS x(u, t, d)
           WHERE p.user_id = x.u AND p.pattern_type = x.t AND p.status = 'active'""",
        ([r[0] for r in gone], [r[2].pattern_type.value for r in gone], [r[1] for r in gone]),
    ).rowcount
    return {"checks": len(results), "detected": opened, "resolved": resolved}


STATS = """
WITH s AS (
    SELECT s.*, u.as_of, u.as_of - s.stat_date AS age
    FROM _users u JOIN wellness.user_daily_stats s ON s.user_id = u.user_id
    WHERE u.as_of IS NOT NULL AND s.stat_date <= u.as_of
),
agg AS (
    SELECT user_id,
        count(*) FILTER (WHERE screen_time_minutes IS NOT NULL) AS days_tracked,
        min(stat_date) AS first_day, max(stat_date) AS last_day,
        sum(screen_time_minutes)::float8 AS total_screen_time_minutes,
        avg(screen_time_minutes) FILTER (WHERE age < 7)::float8 AS avg_daily_screen_time_minutes,
        avg(screen_time_minutes) FILTER (WHERE age < 30)::float8 AS avg_daily_screen_time_minutes_30d,
        max(screen_time_minutes) FILTER (WHERE age < 30)::float8 AS max_daily_screen_time_minutes,
        min(screen_time_minutes) FILTER (WHERE age < 30)::float8 AS min_daily_screen_time_minutes,
        sum(unlocks) AS total_unlocks,
        avg(unlocks) FILTER (WHERE age < 7)::float8 AS avg_daily_unlocks,
        sum(notifications) AS total_notifications,
        avg(notifications) FILTER (WHERE age < 7)::float8 AS avg_daily_notifications,
        avg(first_use_minute) FILTER (WHERE age < 7)::float8 AS avg_first_use_minute,
        avg(night_minutes) FILTER (WHERE age < 7)::float8 AS avg_night_minutes,
        avg(social_minutes) FILTER (WHERE age < 7)::float8 AS avg_social_minutes,
        avg(distinct_apps) FILTER (WHERE age < 7)::float8 AS avg_apps_per_day,
        avg(screen_time_minutes) FILTER (WHERE age < 28 AND extract(isodow FROM stat_date) < 6)::float8 AS weekday_avg_minutes,
        avg(screen_time_minutes) FILTER (WHERE age < 28 AND extract(isodow FROM stat_date) >= 6)::float8 AS weekend_avg_minutes,
        avg(screen_time_minutes) FILTER (WHERE age BETWEEN 7 AND 13)::float8 AS last_week_avg_minutes,
        avg(screen_time_minutes) FILTER (WHERE age BETWEEN 30 AND 59)::float8 AS last_month_avg_minutes,
        sum(goals_met) AS goals_achieved_count,
        sum(goals_total) FILTER (WHERE age < 30) AS goal_days_30d,
        sum(goals_met) FILTER (WHERE age < 30) AS goal_met_30d,
        COALESCE(sum(goals_total) FILTER (WHERE age < 7), 0) AS goal_days_7d,
        COALESCE(sum(goals_met) FILTER (WHERE age < 7), 0) AS goal_met_7d,
        sum(level_minutes) FILTER (WHERE age < 7)::float8 AS level_minutes_7d,
        sum(categorized_minutes) FILTER (WHERE age < 7)::float8 AS categorized_minutes_7d
    FROM s GROUP BY user_id
),
runs AS (
    SELECT d.user_id, d.stat_date, d.stat_date - (row_number() OVER (PARTITION BY d.user_id ORDER BY d.stat_date))::int AS grp
    FROM _users u JOIN wellness.user_daily_stats d ON d.user_id = u.user_id AND d.is_streak_day
),
islands AS (
    SELECT user_id, count(*) AS length, max(stat_date) AS last_day FROM runs GROUP BY user_id, grp
),
streak AS (
    SELECT i.user_id, max(i.length) AS longest_streak,
           COALESCE(max(i.length) FILTER (WHERE i.last_day >= u.local_today - 1), 0) AS current_streak
    FROM islands i JOIN _users u ON u.user_id = i.user_id GROUP BY i.user_id
),
goals AS (
    SELECT g.user_id, count(*) AS active_goals,
           min(g.target) FILTER (WHERE g.goal_type = 'daily_screen_time') AS screen_time_limit
    FROM _users u JOIN wellness.goals g ON g.user_id = u.user_id AND g.is_active GROUP BY g.user_id
),
pats AS (
    SELECT p.user_id, count(*) FILTER (WHERE p.status = 'active') AS active_patterns_count,
           count(*) FILTER (WHERE p.status = 'active' AND p.pattern_type <> ALL(%(positive)s)) AS active_problem_patterns,
           count(*) FILTER (WHERE p.status = 'resolved') AS resolved_patterns_count
    FROM _users u JOIN wellness.patterns p ON p.user_id = u.user_id GROUP BY p.user_id
)
SELECT u.user_id, u.as_of, u.local_today, agg.*,
       COALESCE(streak.current_streak, 0) AS current_streak, COALESCE(streak.longest_streak, 0) AS longest_streak,
       COALESCE(goals.active_goals, 0) AS active_goals, goals.screen_time_limit,
       COALESCE(pats.active_patterns_count, 0) AS active_patterns_count,
       COALESCE(pats.active_problem_patterns, 0) AS active_problem_patterns,
       COALESCE(pats.resolved_patterns_count, 0) AS resolved_patterns_count
FROM _users u
JOIN agg ON agg.user_id = u.user_id
LEFT JOIN streak ON streak.user_id = u.user_id
LEFT JOIN goals ON goals.user_id = u.user_id
LEFT JOIN pats ON pats.user_id = u.user_id
"""


def stats_inputs(conn: psycopg.Connection, positive: Sequence[str]) -> list[dict[str, Any]]:
    """One row of aggregates per user of ``_users`` with data (see :data:`STATS`), all users in one query."""
    return conn.execute(STATS, {"positive": list(positive)}).fetchall()


def save_stats(conn: psycopg.Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Upsert ``user_stats`` rows ``{user_id, as_of, wellness_score, score_components,
    current_streak, longest_streak, metrics}`` in one statement."""
    return conn.execute(
        """INSERT INTO wellness.user_stats AS s (user_id, as_of, wellness_score, score_components, current_streak,
                                                 longest_streak, metrics, computed_at)
           SELECT *, now() FROM unnest(%s::uuid[], %s::date[], %s::smallint[], %s::jsonb[], %s::int[], %s::int[], %s::jsonb[])
           ON CONFLICT (user_id) DO UPDATE SET as_of = EXCLUDED.as_of, wellness_score = EXCLUDED.wellness_score,
               score_components = EXCLUDED.score_components, current_streak = EXCLUDED.current_streak,
               longest_streak = EXCLUDED.longest_streak, metrics = EXCLUDED.metrics, computed_at = now()""",
        ([r["user_id"] for r in rows], [r["as_of"] for r in rows], [r["wellness_score"] for r in rows],
         [Jsonb(r["score_components"]) for r in rows], [r["current_streak"] for r in rows],
         [r["longest_streak"] for r in rows], [Jsonb(r["metrics"]) for r in rows]),
    ).rowcount
