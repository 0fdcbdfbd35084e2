-- styles product (design document 004), part 1: accounts, the token ledger, idempotency keys,
-- notifications. User ids are the platform's (platform.users.id, the identity token's subject).
-- depends: platform_0001_users

CREATE SCHEMA IF NOT EXISTS styles;

-- M1-Auth-Backend "User model customization": provider, provider_user_id, role, profile_image
-- (the balance lives in styles.token_accounts, a small hot row of its own).
CREATE TABLE styles.users (
    user_id            uuid PRIMARY KEY,
    email              text,
    display_name       text,
    role               text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'artist', 'admin')),
    profile_image_url  text,
    provider           text,                -- 'google' when first seen through the Google callback
    provider_user_id   text,
    welcome_granted_at timestamptz,         -- set in the transaction that grants the welcome tokens
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_provider_identity ON styles.users (provider, provider_user_id)
    WHERE provider IS NOT NULL AND provider_user_id IS NOT NULL;

-- An artist's profile (M1-Initialization "User and Artist models").
CREATE TABLE styles.artists (
    user_id      uuid PRIMARY KEY REFERENCES styles.users (user_id) ON DELETE CASCADE,
    bio          text NOT NULL DEFAULT '',
    website_url  text,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- The balance: never below zero, whatever runs at the same time (the CHECK holds even if a
-- guarded UPDATE were ever wrong). Amounts are whole tokens.
CREATE TABLE styles.token_accounts (
    user_id     uuid PRIMARY KEY REFERENCES styles.users (user_id) ON DELETE CASCADE,
    balance     bigint NOT NULL DEFAULT 0 CHECK (balance >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The ledger: every movement of every balance, signed (consume < 0, everything else > 0), with
-- the balance it left. sum(amount) per user = token_accounts.balance (styles.tokens.check).
CREATE TABLE styles.token_transactions (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         uuid NOT NULL REFERENCES styles.token_accounts (user_id) ON DELETE CASCADE,
    amount          bigint NOT NULL,
    type            text NOT NULL CHECK (type IN ('purchase', 'consume', 'refund', 'welcome', 'earn')),
    reason          text NOT NULL DEFAULT '',
    reference_type  text,
    reference_id    text,
    idempotency_key text,
    balance_after   bigint NOT NULL CHECK (balance_after >= 0),
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    CHECK ((type = 'consume' AND amount < 0) OR (type <> 'consume' AND amount > 0)),
    CHECK ((reference_type IS NULL) = (reference_id IS NULL))
);
-- A refund, the welcome grant and a purchase (per payment) happen at most once per thing they are for.
CREATE UNIQUE INDEX token_transactions_once ON styles.token_transactions (user_id, type, reference_type, reference_id)
    WHERE type IN ('refund', 'welcome', 'purchase');
CREATE INDEX token_transactions_user_newest ON styles.token_transactions (user_id, created_at DESC, id DESC);
CREATE INDEX token_transactions_reference ON styles.token_transactions (user_id, reference_type, reference_id)
    WHERE reference_id IS NOT NULL;

-- Idempotency-Key (IETF draft-ietf-httpapi-idempotency-key-header): the first request's answer,
-- stored in the transaction that did the work, so a retry gets it back and never works twice.
CREATE TABLE styles.idempotency_keys (
    user_id       uuid NOT NULL,
    key           text NOT NULL,
    request_hash  text NOT NULL,
    response      jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);

-- M5-Notification. dedupe_key: a notification sent once per event (a duplicate webhook sends none).
CREATE TABLE styles.notifications (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL REFERENCES styles.users (user_id) ON DELETE CASCADE,
    type        text NOT NULL,
    title       text NOT NULL,
    message     text NOT NULL,
    link        text,
    is_read     boolean NOT NULL DEFAULT false,
    dedupe_key  text,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX notifications_user_newest ON styles.notifications (user_id, created_at DESC, id DESC);
CREATE INDEX notifications_user_unread ON styles.notifications (user_id) WHERE NOT is_read;
CREATE UNIQUE INDEX notifications_once ON styles.notifications (user_id, dedupe_key) WHERE dedupe_key IS NOT NULL;
