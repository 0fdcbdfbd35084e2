-- Notifications and outgoing webhooks (issue 11: "Beat each one" of document 001's known
-- limitations; limitation 6: "No Webhooks: No notification system for completed tasks").
-- A notification is written in the same transaction as the change that causes it, and so is one
-- delivery row (the outbox) per subscribed webhook endpoint of its user: nothing is sent that was
-- rolled back, nothing committed is lost. Every row carries user_id; every query filters by it.
-- depends: wellness_0005_social

-- One in-app notification. ``dedupe_key`` makes an event once per key (journal.ready: once per
-- user per journal date, however many entries or collections that night has).
CREATE TABLE wellness.notifications (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES platform.users (id) ON DELETE CASCADE,
    event       text NOT NULL CHECK (event IN ('conversation.ready', 'conversation.failed', 'journal.ready',
                                               'friend_request.received', 'friend_request.accepted',
                                               'visit.requested', 'visit.accepted')),
    data        jsonb NOT NULL DEFAULT '{}'::jsonb,
    dedupe_key  text,
    read_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (user_id, event, dedupe_key)
);
CREATE INDEX notifications_user_idx ON wellness.notifications (user_id, created_at DESC, id DESC);
CREATE INDEX notifications_unread_idx ON wellness.notifications (user_id, created_at DESC, id DESC) WHERE read_at IS NULL;

-- A user's webhook endpoint. The secret signs every delivery (HMAC: it must be kept as it is);
-- the API shows it once, at creation.
CREATE TABLE wellness.webhook_endpoints (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES platform.users (id) ON DELETE CASCADE,
    url         text NOT NULL CHECK (length(url) <= 2048),
    events      text[] NOT NULL CHECK (cardinality(events) >= 1),
    secret      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX webhook_endpoints_user_idx ON wellness.webhook_endpoints (user_id, created_at DESC, id DESC);

-- The outbox: one delivery of one notification to one endpoint. ``id`` is the message id
-- (``webhook-id`` = "msg_" + its hex), the same for every attempt. ``attempts`` is also the claim
-- token: a sender takes attempt n only while attempts = n - 1 (two senders of one message: one sends).
CREATE TABLE wellness.webhook_deliveries (
    id               uuid PRIMARY KEY,
    endpoint_id      uuid NOT NULL REFERENCES wellness.webhook_endpoints (id) ON DELETE CASCADE,
    notification_id  uuid NOT NULL REFERENCES wellness.notifications (id) ON DELETE CASCADE,
    user_id          uuid NOT NULL REFERENCES platform.users (id) ON DELETE CASCADE,
    event            text NOT NULL,
    payload          jsonb NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz,
    last_attempt_at  timestamptz,
    response_status  integer,
    response_body    text CHECK (length(response_body) <= 500),
    last_error       text CHECK (length(last_error) <= 500),
    created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (endpoint_id, notification_id),
    CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL))
);
CREATE INDEX webhook_deliveries_due_idx ON wellness.webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint_idx ON wellness.webhook_deliveries (endpoint_id, created_at DESC, id DESC);
