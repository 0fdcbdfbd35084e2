-- Blocks without a connection and rate-limited social actions (issue 11 item 7; branch wsocial3).
-- depends: wellness_0005_social

-- A block: blocker_id no longer deals with blocked_id, either way (docs/decisions.md "Wellness
-- blocks"). The one source of truth for "is there a block between A and B": a friend connection
-- in status 'blocked' always has the matching row here (written in the same transaction).
CREATE TABLE wellness.blocks (
    blocker_id  uuid NOT NULL REFERENCES platform.users (id) ON DELETE CASCADE,
    blocked_id  uuid NOT NULL REFERENCES platform.users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (blocker_id, blocked_id),
    CHECK (blocker_id <> blocked_id)
);
CREATE INDEX blocks_blocked_idx ON wellness.blocks (blocked_id, blocker_id);
CREATE INDEX blocks_blocker_page_idx ON wellness.blocks (blocker_id, created_at, blocked_id);

-- the connections blocked before this table existed
INSERT INTO wellness.blocks (blocker_id, blocked_id, created_at)
SELECT blocked_by, CASE WHEN blocked_by = requester_id THEN addressee_id ELSE requester_id END, updated_at
FROM wellness.friend_connections WHERE status = 'blocked'
ON CONFLICT DO NOTHING;

-- Rate limits (backlot.ratelimit; wellness/limits.py): one row per counted action, pruned as the
-- user acts (rows older than the longest window are deleted).
CREATE TABLE wellness.rate_limited_actions (
    user_id     uuid NOT NULL,
    action      text NOT NULL CHECK (action IN ('friend_request', 'visit_proposal', 'conversation_request')),
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX rate_limited_actions_window_idx ON wellness.rate_limited_actions (user_id, action, created_at);

-- Deleting a user's wellness data forgets their blocks (both ways) and counted actions too.
CREATE FUNCTION wellness.social_forget_blocks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM wellness.blocks WHERE OLD.user_id IN (blocker_id, blocked_id);
    DELETE FROM wellness.rate_limited_actions WHERE user_id = OLD.user_id;
    RETURN OLD;
END
$$;

CREATE TRIGGER profiles_social_forget_blocks AFTER DELETE ON wellness.profiles
    FOR EACH ROW EXECUTE FUNCTION wellness.social_forget_blocks();
