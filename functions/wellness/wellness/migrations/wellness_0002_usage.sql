-- wellness usage (design document 001 "Usage App"; issue 10 item 4; WELLNESS.md data model).
-- Every row is keyed by the device that sent it and carries the owner's user_id, so every query
-- filters by user and deleting a device (or the account, which deletes its devices) deletes its
-- usage through ON DELETE CASCADE. Dates are the device's local dates (the user's profile time
-- zone, or the offset the client sent). NULL in a count means "not sent", never zero.
-- depends: wellness_0001_accounts_devices_apps

-- One row per device and local day: the day's totals as the client sent them.
CREATE TABLE wellness.daily_usage (
    device_id            uuid NOT NULL,
    usage_date           date NOT NULL,
    user_id              uuid NOT NULL,
    screen_time_minutes  integer CHECK (screen_time_minutes BETWEEN 0 AND 1440),
    unlocks              integer CHECK (unlocks >= 0),
    notifications        integer CHECK (notifications >= 0),
    first_pickup         time,
    source               text NOT NULL DEFAULT 'bulk_upload' CHECK (source IN ('bulk_upload', 'stayfree')),
    uploaded_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, usage_date),
    -- (device, owner): a row's user_id is always its device's owner
    FOREIGN KEY (device_id, user_id) REFERENCES wellness.devices (id, user_id) ON DELETE CASCADE
);
CREATE INDEX daily_usage_user_date_idx ON wellness.daily_usage (user_id, usage_date);

-- Minutes (and launches, notifications) per app per device per day. app_key is the client's app
-- identifier as given (the package name when the client knows it, else the app's label).
CREATE TABLE wellness.app_daily_usage (
    device_id      uuid NOT NULL,
    usage_date     date NOT NULL,
    app_key        text NOT NULL CHECK (length(app_key) BETWEEN 1 AND 255),
    user_id        uuid NOT NULL,
    app_name       text,
    category       text,
    minutes        numeric(6, 1) CHECK (minutes BETWEEN 0 AND 1440),
    launches       integer CHECK (launches >= 0),
    notifications  integer CHECK (notifications >= 0),
    PRIMARY KEY (device_id, usage_date, app_key),
    FOREIGN KEY (device_id, usage_date) REFERENCES wellness.daily_usage (device_id, usage_date) ON DELETE CASCADE
);
CREATE INDEX app_daily_usage_user_date_idx ON wellness.app_daily_usage (user_id, usage_date);

-- Minutes per category per device per day (iOS Screen Time gives categories, not apps).
CREATE TABLE wellness.category_daily_usage (
    device_id   uuid NOT NULL,
    usage_date  date NOT NULL,
    category    text NOT NULL CHECK (length(category) BETWEEN 1 AND 100),
    user_id     uuid NOT NULL,
    minutes     numeric(6, 1) NOT NULL CHECK (minutes BETWEEN 0 AND 1440),
    PRIMARY KEY (device_id, usage_date, category),
    FOREIGN KEY (device_id, usage_date) REFERENCES wellness.daily_usage (device_id, usage_date) ON DELETE CASCADE
);
CREATE INDEX category_daily_usage_user_date_idx ON wellness.category_daily_usage (user_id, usage_date);

-- App sessions with start and end: merged on upload, so one app's sessions on one device never
-- overlap; at most 24 hours each.
CREATE TABLE wellness.app_sessions (
    device_id   uuid NOT NULL,
    user_id     uuid NOT NULL,
    app_key     text NOT NULL CHECK (length(app_key) BETWEEN 1 AND 255),
    started_at  timestamptz NOT NULL,
    ended_at    timestamptz NOT NULL,
    -- the offset the client sent with started_at, in seconds east of UTC: gives the local time of day
    utc_offset_seconds integer NOT NULL DEFAULT 0 CHECK (utc_offset_seconds BETWEEN -43200 AND 50400),
    PRIMARY KEY (device_id, app_key, started_at),
    FOREIGN KEY (device_id, user_id) REFERENCES wellness.devices (id, user_id) ON DELETE CASCADE,
    CHECK (ended_at > started_at AND ended_at - started_at <= interval '24 hours')
);
CREATE INDEX app_sessions_user_started_idx ON wellness.app_sessions (user_id, started_at);

-- Unlock (pickup) instants, as research sensing and some clients send them.
CREATE TABLE wellness.unlock_events (
    device_id    uuid NOT NULL,
    user_id      uuid NOT NULL,
    occurred_at  timestamptz NOT NULL,
    utc_offset_seconds integer NOT NULL DEFAULT 0 CHECK (utc_offset_seconds BETWEEN -43200 AND 50400),
    PRIMARY KEY (device_id, occurred_at),
    FOREIGN KEY (device_id, user_id) REFERENCES wellness.devices (id, user_id) ON DELETE CASCADE
);
CREATE INDEX unlock_events_user_occurred_idx ON wellness.unlock_events (user_id, occurred_at);

-- What analytics read (WELLNESS.md): one row per device and day with the day's screen time;
-- when the client sent apps but no total, the total is the sum of the app minutes (else of the
-- category minutes), rounded to whole minutes and capped at 1,440; app_minutes and
-- category_minutes are given for whoever needs them.
CREATE VIEW wellness.device_day_totals AS
SELECT d.device_id,
       d.user_id,
       d.usage_date,
       -- (LEAST ignores NULL: the CASE keeps "nothing sent" NULL instead of 1440)
       COALESCE(d.screen_time_minutes,
                CASE WHEN COALESCE(a.app_minutes, c.category_minutes) IS NOT NULL
                     THEN LEAST(1440, round(COALESCE(a.app_minutes, c.category_minutes)))::integer END
               ) AS screen_time_minutes,
       d.screen_time_minutes IS NOT NULL AS screen_time_reported,
       d.unlocks,
       d.notifications,
       d.first_pickup,
       a.app_minutes,
       a.app_launches,
       c.category_minutes,
       d.source
FROM wellness.daily_usage d
LEFT JOIN LATERAL (
    SELECT sum(u.minutes) AS app_minutes, sum(u.launches)::integer AS app_launches
    FROM wellness.app_daily_usage u
    WHERE u.device_id = d.device_id AND u.usage_date = d.usage_date
) a ON true
LEFT JOIN LATERAL (
    SELECT sum(c.minutes) AS category_minutes
    FROM wellness.category_daily_usage c
    WHERE c.device_id = d.device_id AND c.usage_date = d.usage_date
) c ON true;
