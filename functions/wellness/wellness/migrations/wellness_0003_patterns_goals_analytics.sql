-- wellness analytics (design document 001 "Usage Pattern Detection", "Analytics Calculation",
-- "Wellness Metrics"; issue 10 items 5-7; WELLNESS.md data model): goals and their daily
-- progress, per-user daily figures, patterns, the last verdict of each detector, the cached
-- statistics, cross-user trends and the per-user clock of the nightly jobs.
-- Every row carries user_id and every query filters by it; account deletion deletes by user_id.
-- depends: wellness_0002_usage

-- Goals (limits): daily screen time, minutes in one app or one category, unlocks; met when the
-- day's value <= target.
CREATE TABLE wellness.goals (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL,
    goal_type   text NOT NULL CHECK (goal_type IN ('daily_screen_time', 'app_time', 'category_time', 'unlocks')),
    target      integer NOT NULL CHECK (target BETWEEN 0 AND 100000),
    app_key     text CHECK (length(app_key) BETWEEN 1 AND 255),
    category    text CHECK (length(category) BETWEEN 1 AND 100),
    name        text CHECK (length(name) <= 200),
    is_active   boolean NOT NULL DEFAULT true,
    start_date  date,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((goal_type = 'app_time') = (app_key IS NOT NULL)),
    CHECK ((goal_type = 'category_time') = (category IS NOT NULL))
);
CREATE INDEX goals_user_idx ON wellness.goals (user_id, created_at, id);

-- One row per goal and local day the goal's figure was measured.
CREATE TABLE wellness.goal_progress (
    goal_id        uuid NOT NULL REFERENCES wellness.goals (id) ON DELETE CASCADE,
    progress_date  date NOT NULL,
    user_id        uuid NOT NULL,
    value          numeric(8, 1) NOT NULL,
    target         integer NOT NULL,
    achieved       boolean NOT NULL,
    computed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (goal_id, progress_date)
);
CREATE INDEX goal_progress_user_date_idx ON wellness.goal_progress (user_id, progress_date);

-- One user's figures for one local day, summed over the user's devices (wellness.domain.patterns
-- .base.DayStats). NULL = the user sent nothing the figure is computed from. Kept past the
-- 90-day cleanup of raw usage, so long-range statistics and the longest streak keep working.
CREATE TABLE wellness.user_daily_stats (
    user_id                  uuid NOT NULL,
    stat_date                date NOT NULL,
    screen_time_minutes      numeric(7, 1),
    unlocks                  integer,
    notifications            integer,
    first_use_minute         smallint,
    night_minutes            numeric(7, 1),
    night_unlocks            integer,
    social_minutes           numeric(7, 1),
    level_minutes            numeric(9, 1),
    categorized_minutes      numeric(7, 1),
    distinct_apps            integer,
    launches                 integer,
    launch_minutes           numeric(8, 1),
    max_minutes_per_launch   numeric(7, 1),
    sessions                 integer,
    short_sessions           integer,
    long_sessions            integer,
    longest_session_minutes  numeric(7, 1),
    goals_total              integer NOT NULL DEFAULT 0,
    goals_met                integer NOT NULL DEFAULT 0,
    is_streak_day            boolean NOT NULL DEFAULT false,
    computed_at              timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, stat_date)
);

-- Patterns: at most one active per user and type; resolved when the behaviour stops.
CREATE TABLE wellness.patterns (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id            uuid NOT NULL,
    pattern_type       text NOT NULL CHECK (pattern_type IN ('binge_usage', 'night_owl', 'morning_person',
                           'weekend_warrior', 'distracted', 'doom_scrolling', 'phantom_vibration',
                           'app_switching', 'notification_addiction')),
    status             text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'resolved')),
    severity           text NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
    confidence         numeric(3, 2) NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    reason             text NOT NULL,
    metadata           jsonb NOT NULL DEFAULT '{}'::jsonb,
    first_detected_on  date NOT NULL,
    last_detected_on   date NOT NULL,
    resolved_on        date,
    resolved_at        timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
);
CREATE UNIQUE INDEX patterns_one_active_idx ON wellness.patterns (user_id, pattern_type) WHERE status = 'active';
CREATE INDEX patterns_user_idx ON wellness.patterns (user_id, created_at, id);
CREATE INDEX patterns_resolved_idx ON wellness.patterns (resolved_at) WHERE status = 'resolved';

-- The latest verdict of every detector for every user, including "insufficient_data" and why.
CREATE TABLE wellness.pattern_checks (
    user_id       uuid NOT NULL,
    pattern_type  text NOT NULL,
    as_of         date NOT NULL,
    verdict       text NOT NULL CHECK (verdict IN ('detected', 'not_detected', 'insufficient_data')),
    reason        text NOT NULL,
    metadata      jsonb NOT NULL DEFAULT '{}'::jsonb,
    checked_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, pattern_type)
);

-- The statistics cache (the document admits none): kept current by the upload-triggered
-- recalculation and the nightly run; GET /wellness/api/analytics/stats/ reads one row.
CREATE TABLE wellness.user_stats (
    user_id           uuid PRIMARY KEY,
    as_of             date,
    wellness_score    smallint CHECK (wellness_score BETWEEN 0 AND 100),
    score_components  jsonb NOT NULL DEFAULT '{}'::jsonb,
    current_streak    integer NOT NULL DEFAULT 0,
    longest_streak    integer NOT NULL DEFAULT 0,
    metrics           jsonb NOT NULL DEFAULT '{}'::jsonb,
    computed_at       timestamptz NOT NULL DEFAULT now()
);

-- Cross-user trends of one week (popular apps, usage patterns), only rows with >= k users.
CREATE TABLE wellness.trends (
    kind         text NOT NULL CHECK (kind IN ('popular_apps', 'usage_patterns')),
    period_end   date NOT NULL,
    key          text NOT NULL,
    users        integer NOT NULL,
    value        jsonb NOT NULL DEFAULT '{}'::jsonb,
    computed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, period_end, key)
);

-- The nightly jobs' clock per user: the last local date each job ran for (jobs in the user's
-- time zone: a run picks the users whose local time passed the job's hour and who are not done).
CREATE TABLE wellness.job_runs (
    user_id     uuid NOT NULL,
    job         text NOT NULL CHECK (job IN ('patterns', 'analytics', 'cleanup')),
    local_date  date NOT NULL,
    ran_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, job)
);
