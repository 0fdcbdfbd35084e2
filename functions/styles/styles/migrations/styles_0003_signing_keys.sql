-- styles: keys the API signs with (the Google sign-in's OAuth state, design document 004
-- M1-Auth-Backend). Made here, once, from pg_strong_random (gen_random_uuid: 122 random bits
-- each, 244 together), so every function reads the same key without a secret to deploy.
-- depends: styles_0001_users_tokens_notifications

CREATE TABLE styles.signing_keys (
    name        text PRIMARY KEY,
    secret      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO styles.signing_keys (name, secret)
VALUES ('oauth_state', replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''))
ON CONFLICT (name) DO NOTHING;
