-- wellness product (design document 001): profiles, devices, the app registry, device-app
-- associations and the relationships between devices and between apps (issue 10 items 2 and 3).
-- Every row of a user carries user_id and every query filters by it (WELLNESS.md); deleting an
-- account deletes the user's rows of this schema (wellness.repository.accounts.delete_user_data),
-- devices cascading to everything keyed by device.
-- depends: platform_0001_users

CREATE SCHEMA IF NOT EXISTS wellness;

-- The document's "user profile with timezone and conversation preferences".
CREATE TABLE wellness.profiles (
    user_id                uuid PRIMARY KEY REFERENCES platform.users (id),
    display_name           text,
    time_zone              text NOT NULL DEFAULT 'UTC',          -- IANA name, checked by the API
    conversation_frequency text NOT NULL DEFAULT 'daily'
                           CHECK (conversation_frequency IN ('off', 'daily', 'weekly')),
    conversation_moods     text[] NOT NULL DEFAULT '{}',         -- issue 11's mood names
    conversations_enabled  boolean NOT NULL DEFAULT true,
    journals_enabled       boolean NOT NULL DEFAULT true,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);

-- The 12 device personalities of the document ("Personality System").
CREATE TABLE wellness.devices (
    id                uuid PRIMARY KEY,
    user_id           uuid NOT NULL REFERENCES platform.users (id),
    client_device_id  text,          -- the stable id the client keeps (not the name)
    name              text NOT NULL,
    platform          text NOT NULL CHECK (platform IN ('android', 'ios', 'ipados', 'windows', 'macos', 'linux', 'other')),
    personality_type  text NOT NULL CHECK (personality_type IN (
                          'snarky', 'logical', 'chaotic', 'supportive', 'dramatic', 'minimalist', 'anxious',
                          'boomer', 'gen_z', 'philosophical', 'gossip', 'corporate')),
    model             text,
    os_version        text,
    is_primary        boolean NOT NULL DEFAULT false,
    is_active         boolean NOT NULL DEFAULT true,
    last_synced_at    timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, client_device_id),
    UNIQUE (id, user_id)                 -- lets children reference (device, owner) pairs
);
CREATE INDEX devices_user_created_idx ON wellness.devices (user_id, created_at, id);
-- at most one primary device per user (set_primary swaps it inside one transaction)
CREATE UNIQUE INDEX devices_one_primary_idx ON wellness.devices (user_id) WHERE is_primary;

-- Relationships between two devices of the same user; stored once per unordered pair
-- (device_a_id < device_b_id), so "siblings A-B" and "siblings B-A" are the same row.
CREATE TABLE wellness.device_relationships (
    id                 uuid PRIMARY KEY,
    user_id            uuid NOT NULL,
    device_a_id        uuid NOT NULL,
    device_b_id        uuid NOT NULL,
    relationship_type  text NOT NULL CHECK (relationship_type IN ('siblings', 'rivals', 'besties')),
    description        text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (device_a_id < device_b_id),
    UNIQUE (device_a_id, device_b_id),
    FOREIGN KEY (device_a_id, user_id) REFERENCES wellness.devices (id, user_id) ON DELETE CASCADE,
    FOREIGN KEY (device_b_id, user_id) REFERENCES wellness.devices (id, user_id) ON DELETE CASCADE
);
CREATE INDEX device_relationships_user_idx ON wellness.device_relationships (user_id, created_at, id);
CREATE INDEX device_relationships_b_idx ON wellness.device_relationships (device_b_id);

-- The app registry: shared by every user (it holds no personal data); one row per package name.
-- The 16 app personalities of the document.
CREATE TABLE wellness.apps (
    id                uuid PRIMARY KEY,
    package_name      text NOT NULL UNIQUE,
    name              text NOT NULL,
    category          text NOT NULL DEFAULT 'other',
    personality_type  text NOT NULL DEFAULT 'chill' CHECK (personality_type IN (
                          'attention_seeking', 'addictive', 'productive', 'time_waster', 'educational',
                          'social_butterfly', 'introvert', 'dramatic', 'zen', 'competitive', 'helpful',
                          'annoying', 'needy', 'chill', 'toxic', 'wholesome')),
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX apps_category_idx ON wellness.apps (category, name, id);

-- An app on one device, with the user's customisation (nickname, personality override).
CREATE TABLE wellness.device_apps (
    id                     uuid PRIMARY KEY,
    user_id                uuid NOT NULL,
    device_id              uuid NOT NULL,
    app_id                 uuid NOT NULL REFERENCES wellness.apps (id),
    nickname               text,
    personality_override   text CHECK (personality_override IN (
                               'attention_seeking', 'addictive', 'productive', 'time_waster', 'educational',
                               'social_butterfly', 'introvert', 'dramatic', 'zen', 'competitive', 'helpful',
                               'annoying', 'needy', 'chill', 'toxic', 'wholesome')),
    is_favorite            boolean NOT NULL DEFAULT false,
    is_hidden              boolean NOT NULL DEFAULT false,
    daily_limit_minutes    integer CHECK (daily_limit_minutes BETWEEN 1 AND 1440),
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    UNIQUE (device_id, app_id),
    UNIQUE (id, user_id),
    FOREIGN KEY (device_id, user_id) REFERENCES wellness.devices (id, user_id) ON DELETE CASCADE
);
CREATE INDEX device_apps_user_created_idx ON wellness.device_apps (user_id, created_at, id);

-- Relationships between two apps as one user sees them (per user: the registry is shared),
-- stored once per unordered pair like device relationships.
CREATE TABLE wellness.app_relationships (
    id                 uuid PRIMARY KEY,
    user_id            uuid NOT NULL REFERENCES platform.users (id),
    app_a_id           uuid NOT NULL REFERENCES wellness.apps (id),
    app_b_id           uuid NOT NULL REFERENCES wellness.apps (id),
    relationship_type  text NOT NULL CHECK (relationship_type IN ('friends', 'rivals', 'frenemies', 'siblings', 'besties')),
    description        text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (app_a_id < app_b_id),
    UNIQUE (user_id, app_a_id, app_b_id)
);
CREATE INDEX app_relationships_user_idx ON wellness.app_relationships (user_id, created_at, id);
