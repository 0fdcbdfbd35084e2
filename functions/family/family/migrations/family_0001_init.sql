-- family product (design document 000): households, experiences, reviews, merry moments,
-- media items and learning weights. Every row belongs to a household; every query checks
-- membership through family.household_members.
-- depends: platform_0001_users

CREATE SCHEMA IF NOT EXISTS family;

CREATE TABLE family.households (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_by        uuid NOT NULL REFERENCES platform.users (id),
    created_at        timestamptz NOT NULL DEFAULT now(),
    last_activity_at  timestamptz
);

CREATE TABLE family.household_members (
    household_id  uuid NOT NULL REFERENCES family.households (id) ON DELETE CASCADE,
    user_id       uuid NOT NULL REFERENCES platform.users (id),
    role          text NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'member')),
    added_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (household_id, user_id)
);
CREATE INDEX household_members_user_idx ON family.household_members (user_id);

CREATE TABLE family.experiences (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    household_id    uuid NOT NULL REFERENCES family.households (id) ON DELETE CASCADE,
    activity_name   text,
    suggestion_id   text,
    participant_ids text[] NOT NULL DEFAULT '{}',
    start_at        timestamptz,
    end_at          timestamptz,
    place           text,
    place_address   text,
    place_lat       double precision CHECK (place_lat BETWEEN -90 AND 90),
    place_lng       double precision CHECK (place_lng BETWEEN -180 AND 180),
    status          text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'live', 'done', 'cancelled')),
    prep_notes      text,
    needs_adult     boolean NOT NULL DEFAULT false,
    cost_estimate   numeric(10, 2) CHECK (cost_estimate >= 0),
    -- the context the learning weights need (document section 6)
    weather         text,
    time_of_day     text,
    day_of_week     text,
    tags            text[] NOT NULL DEFAULT '{}',
    created_by      uuid REFERENCES platform.users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (end_at IS NULL OR start_at IS NULL OR end_at >= start_at)
);
CREATE INDEX experiences_household_created_idx ON family.experiences (household_id, created_at DESC, id DESC);

CREATE TABLE family.experience_reviews (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    experience_id uuid NOT NULL REFERENCES family.experiences (id) ON DELETE CASCADE,
    household_id  uuid NOT NULL REFERENCES family.households (id) ON DELETE CASCADE,
    rating        integer NOT NULL CHECK (rating BETWEEN 1 AND 5),
    effort_felt   text CHECK (effort_felt IN ('easy', 'moderate', 'hard')),
    cleanup_felt  text CHECK (cleanup_felt IN ('easy', 'moderate', 'hard')),
    note          text,
    reviewed_by   uuid NOT NULL REFERENCES platform.users (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (experience_id, reviewed_by)
);
CREATE INDEX experience_reviews_experience_idx ON family.experience_reviews (experience_id, created_at DESC);

CREATE TABLE family.merry_moments (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    household_id    uuid NOT NULL REFERENCES family.households (id) ON DELETE CASCADE,
    experience_id   uuid REFERENCES family.experiences (id) ON DELETE SET NULL,
    title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    description     text,
    participant_ids text[] NOT NULL DEFAULT '{}',
    occurred_at     timestamptz NOT NULL,
    place           text,
    media_ids       uuid[] NOT NULL DEFAULT '{}',
    created_by      uuid REFERENCES platform.users (id),
    is_manual       boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX merry_moments_household_occurred_idx ON family.merry_moments (household_id, occurred_at DESC, id DESC);

CREATE TABLE family.media_items (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    household_id      uuid NOT NULL REFERENCES family.households (id) ON DELETE CASCADE,
    merry_moment_id   uuid REFERENCES family.merry_moments (id) ON DELETE SET NULL,
    experience_id     uuid REFERENCES family.experiences (id) ON DELETE SET NULL,
    status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ready', 'rejected')),
    reason            text,
    reason_code       text,
    original_key      text NOT NULL UNIQUE,   -- in the uploads bucket; deleted once processed
    file_key          text,                   -- clean copy in the media bucket
    preview_key       text,
    thumbnail_key     text,
    declared_type     text,                   -- what the client said; never trusted
    source_mime_type  text,                   -- what the bytes are
    mime_type         text,                   -- type of the clean copy at file_url
    file_size_bytes   bigint,
    width_px          integer,
    height_px         integer,
    duration_seconds  integer,
    caption           text,
    uploaded_by       uuid REFERENCES platform.users (id),
    claimed_at        timestamptz,            -- processing lease, so a duplicate event does no work
    processed_at      timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX media_items_household_idx ON family.media_items (household_id, created_at DESC);

-- Learning weights (document section 6): a multiplier per household, activity and context
-- feature, starting at 1.0. See family/domain/learning.py for the rule.
CREATE TABLE family.activity_weights (
    household_id  uuid NOT NULL REFERENCES family.households (id) ON DELETE CASCADE,
    activity_key  text NOT NULL,
    feature       text NOT NULL,
    weight        double precision NOT NULL DEFAULT 1.0 CHECK (weight > 0),
    reviews       integer NOT NULL DEFAULT 0,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (household_id, activity_key, feature)
);
