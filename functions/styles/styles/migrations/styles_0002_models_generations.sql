-- styles (design document 004): style models, their training images and tags, generations, and the
-- provider's webhook deliveries (STYLES.md, issue 12 items 4-6). User ids are platform user UUIDs,
-- the users rows are styles_0001's. Status changes are made by guarded UPDATEs (the row moves only
-- from the states the transition allows), so a duplicate or late callback changes nothing.
-- depends: styles_0001_users_tokens_notifications

CREATE TABLE styles.style_models (
    id                   uuid PRIMARY KEY,
    artist_id            uuid NOT NULL REFERENCES styles.users (user_id),
    name                 text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    description          text NOT NULL DEFAULT '',
    -- uploading: waiting for presigned uploads; queued: training message sent (or to be re-sent);
    -- training: the provider accepted it; completed / failed: final.
    training_status      text NOT NULL DEFAULT 'queued'
                         CHECK (training_status IN ('uploading', 'queued', 'training', 'completed', 'failed')),
    model_path           text,
    failure_reason       text,
    price                integer NOT NULL DEFAULT 0 CHECK (price >= 0),
    usage_count          integer NOT NULL DEFAULT 0 CHECK (usage_count >= 0),
    image_count          integer NOT NULL CHECK (image_count BETWEEN 10 AND 100),
    trigger_word         text NOT NULL,
    num_epochs           integer NOT NULL DEFAULT 10 CHECK (num_epochs > 0),
    thumbnail_key        text,
    task_id              uuid NOT NULL UNIQUE,          -- the training message's task_id
    provider_job_id      text UNIQUE,
    enqueued_at          timestamptz,                   -- last send of the training message
    dispatched_at        timestamptz,                   -- provider accepted the training
    finished_at          timestamptz,
    uploads_expire_at    timestamptz,                   -- presigned forms of an 'uploading' model
    is_deleted           boolean NOT NULL DEFAULT false,
    deleted_at           timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CHECK (training_status <> 'completed' OR model_path IS NOT NULL)
);
CREATE UNIQUE INDEX style_models_artist_name_key ON styles.style_models (artist_id, lower(name)) WHERE NOT is_deleted;
CREATE INDEX style_models_listing_idx ON styles.style_models (created_at DESC, id DESC) WHERE NOT is_deleted;
CREATE INDEX style_models_popular_idx ON styles.style_models (usage_count DESC, created_at DESC, id DESC) WHERE NOT is_deleted;
CREATE INDEX style_models_artist_idx ON styles.style_models (artist_id, created_at DESC);
CREATE INDEX style_models_pending_idx ON styles.style_models (training_status, updated_at)
    WHERE training_status IN ('uploading', 'queued', 'training');

-- One row per training image ("artwork"): the upload (multipart or presigned) and what the image
-- pipeline made of it (clean image without metadata, thumbnail).
CREATE TABLE styles.training_images (
    id              uuid PRIMARY KEY,
    model_id        uuid NOT NULL REFERENCES styles.style_models (id) ON DELETE CASCADE,
    position        integer NOT NULL CHECK (position >= 0),
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ready', 'rejected')),
    upload_key      text,                               -- presigned upload's object (deleted once processed)
    declared_type   text,
    declared_bytes  integer,
    image_key       text,                               -- the clean image
    thumbnail_key   text,
    content_type    text,
    width           integer,
    height          integer,
    size_bytes      integer,
    failure_code    text,
    failure_reason  text,
    claimed_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (model_id, position),
    CHECK (status <> 'ready' OR (image_key IS NOT NULL AND thumbnail_key IS NOT NULL))
);
CREATE UNIQUE INDEX training_images_upload_key ON styles.training_images (upload_key) WHERE upload_key IS NOT NULL;

CREATE TABLE styles.tags (
    id           uuid PRIMARY KEY,
    name         text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 50),
    is_active    boolean NOT NULL DEFAULT true,
    usage_count  integer NOT NULL DEFAULT 0 CHECK (usage_count >= 0),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX tags_name_key ON styles.tags (lower(name));

CREATE TABLE styles.model_tags (
    model_id  uuid NOT NULL REFERENCES styles.style_models (id) ON DELETE CASCADE,
    tag_id    uuid NOT NULL REFERENCES styles.tags (id),
    position  integer NOT NULL CHECK (position >= 0),
    PRIMARY KEY (model_id, tag_id),
    UNIQUE (model_id, position)
);
CREATE INDEX model_tags_tag_idx ON styles.model_tags (tag_id, model_id);

CREATE TABLE styles.generations (
    id               uuid PRIMARY KEY,
    user_id          uuid NOT NULL REFERENCES styles.users (user_id),
    style_model_id   uuid NOT NULL REFERENCES styles.style_models (id),
    prompt_tags      text[] NOT NULL,
    prompt           text NOT NULL,
    aspect_ratio     text NOT NULL,
    seed             bigint NOT NULL CHECK (seed BETWEEN 0 AND 4294967295),
    cost             integer NOT NULL CHECK (cost > 0),
    refunded         integer NOT NULL DEFAULT 0 CHECK (refunded BETWEEN 0 AND cost),
    status           text NOT NULL DEFAULT 'queued'
                     CHECK (status IN ('queued', 'processing', 'completed', 'failed', 'cancelled')),
    image_key        text,
    image_url        text,
    failure_reason   text,
    task_id          uuid NOT NULL UNIQUE,              -- the generation message's task_id
    provider_job_id  text UNIQUE,
    visibility       text NOT NULL DEFAULT 'private' CHECK (visibility IN ('public', 'private')),
    idempotency_key  text,
    enqueued_at      timestamptz,
    dispatched_at    timestamptz,
    finished_at      timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (status <> 'completed' OR image_key IS NOT NULL OR image_url IS NOT NULL)
);
CREATE INDEX generations_user_idx ON styles.generations (user_id, created_at DESC, id DESC);
CREATE INDEX generations_pending_idx ON styles.generations (status, updated_at) WHERE status IN ('queued', 'processing');
CREATE UNIQUE INDEX generations_idempotency_key ON styles.generations (user_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

-- Provider webhook message ids already applied (Standard Webhooks "webhook-id"): recorded in the
-- transaction that applies the delivery; kept a day (the replay window is 5 minutes).
CREATE TABLE styles.webhook_deliveries (
    message_id   text PRIMARY KEY,
    received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_received_idx ON styles.webhook_deliveries (received_at);
