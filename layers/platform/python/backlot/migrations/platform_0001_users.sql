-- platform: users known from identity tokens (ARCHITECTURE.md, "Data").
CREATE EXTENSION IF NOT EXISTS vector;
CREATE SCHEMA IF NOT EXISTS platform;

CREATE TABLE platform.users (
    id            uuid PRIMARY KEY,           -- the identity provider's subject, as a UUID
    email         text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz
);
