-- styles (design document 004) part 2, issue 13: tag autocomplete, the community feed, likes,
-- comments, follows, and the per-user action log that rate-limits them. Counters (likes and
-- comments of an image, followers of a user) are columns changed in the same transaction as the
-- row they count, under the counted row's lock, so a count always equals its rows.
-- depends: styles_0002_models_generations

-- Tag autocomplete: a case-insensitive prefix (LIKE 'abc%') can use this index.
CREATE INDEX tags_name_prefix_idx ON styles.tags (lower(name) text_pattern_ops) WHERE is_active;
CREATE INDEX tags_popular_idx ON styles.tags (usage_count DESC, lower(name)) WHERE is_active AND usage_count > 0;

ALTER TABLE styles.generations
    ADD COLUMN like_count    integer NOT NULL DEFAULT 0 CHECK (like_count >= 0),
    ADD COLUMN comment_count integer NOT NULL DEFAULT 0 CHECK (comment_count >= 0);
-- M5-Community-API feed: public finished images, newest first or most liked.
CREATE INDEX generations_feed_newest_idx ON styles.generations (created_at DESC, id DESC)
    WHERE visibility = 'public' AND status = 'completed';
CREATE INDEX generations_feed_liked_idx ON styles.generations (like_count DESC, created_at DESC, id DESC)
    WHERE visibility = 'public' AND status = 'completed';

-- Followers of a user (only this side is counted: a follow locks the followed user's row alone,
-- so two users following each other at once cannot deadlock).
ALTER TABLE styles.users
    ADD COLUMN follower_count  integer NOT NULL DEFAULT 0 CHECK (follower_count >= 0);

-- "Unique constraint on (user_id, image_id)".
CREATE TABLE styles.image_likes (
    image_id    uuid NOT NULL REFERENCES styles.generations (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES styles.users (user_id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (image_id, user_id)
);
CREATE INDEX image_likes_user_idx ON styles.image_likes (user_id, image_id);

-- "Create comment with content validation (max 500 chars)"; listed oldest first.
CREATE TABLE styles.comments (
    id          uuid PRIMARY KEY,
    image_id    uuid NOT NULL REFERENCES styles.generations (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES styles.users (user_id) ON DELETE CASCADE,
    content     text NOT NULL CHECK (char_length(content) BETWEEN 1 AND 500),
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX comments_image_oldest_idx ON styles.comments (image_id, created_at, id);

-- "Unique constraint on (follower_id, following_id)"; nobody follows themselves.
CREATE TABLE styles.follows (
    follower_id  uuid NOT NULL REFERENCES styles.users (user_id) ON DELETE CASCADE,
    artist_id    uuid NOT NULL REFERENCES styles.users (user_id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (follower_id, artist_id),
    CHECK (follower_id <> artist_id)
);
CREATE INDEX follows_follower_newest_idx ON styles.follows (follower_id, created_at DESC, artist_id DESC);
CREATE INDEX follows_artist_idx ON styles.follows (artist_id);

-- Rate limits: one row per like, comment or follow action, counted over a sliding window and
-- pruned as the user acts (rows older than the longest window are deleted).
CREATE TABLE styles.community_actions (
    user_id     uuid NOT NULL,
    action      text NOT NULL CHECK (action IN ('like', 'comment', 'follow')),
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX community_actions_window_idx ON styles.community_actions (user_id, action, created_at);
