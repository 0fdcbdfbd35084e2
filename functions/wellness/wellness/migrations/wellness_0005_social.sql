-- Social (design document 001 "Social App"; issue 11 item 7): friend connections, friend visits
-- (temporary device connections) and challenges. Every row names the users it concerns; every
-- query filters by the caller (a connection is read by either of its two users).
-- depends: wellness_0003_patterns_goals_analytics

-- One row per unordered pair of users (user_low < user_high), whoever asked first: a request
-- A->B while B->A is pending finds the same row (the crossed request is an acceptance).
CREATE TABLE wellness.friend_connections (
    id            uuid PRIMARY KEY,
    requester_id  uuid NOT NULL REFERENCES platform.users (id) ON DELETE CASCADE,
    addressee_id  uuid NOT NULL REFERENCES platform.users (id) ON DELETE CASCADE,
    user_low      uuid GENERATED ALWAYS AS (LEAST(requester_id, addressee_id)) STORED,
    user_high     uuid GENERATED ALWAYS AS (GREATEST(requester_id, addressee_id)) STORED,
    status        text NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'blocked')),
    blocked_by    uuid,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    responded_at  timestamptz,
    CHECK (requester_id <> addressee_id),
    CHECK ((status = 'blocked') = (blocked_by IS NOT NULL)),
    CHECK (blocked_by IS NULL OR blocked_by IN (requester_id, addressee_id)),
    UNIQUE (user_low, user_high)
);
CREATE INDEX friend_connections_requester_idx ON wellness.friend_connections (requester_id, created_at, id);
CREATE INDEX friend_connections_addressee_idx ON wellness.friend_connections (addressee_id, created_at, id);

-- A friend visit: the host's device meets the guest's device until ends_at. Status is stored as
-- the users set it; "expired" is computed when read (ends_at passed), so no job is needed.
CREATE TABLE wellness.friend_visits (
    id               uuid PRIMARY KEY,
    host_id          uuid NOT NULL REFERENCES platform.users (id) ON DELETE CASCADE,
    guest_id         uuid NOT NULL REFERENCES platform.users (id) ON DELETE CASCADE,
    host_device_id   uuid NOT NULL,
    guest_device_id  uuid,
    status           text NOT NULL CHECK (status IN ('pending', 'active', 'ended')),
    ends_at          timestamptz NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    accepted_at      timestamptz,
    ended_at         timestamptz,
    CHECK (host_id <> guest_id),
    CHECK ((status = 'active') <= (guest_device_id IS NOT NULL)),
    FOREIGN KEY (host_device_id, host_id) REFERENCES wellness.devices (id, user_id) ON DELETE CASCADE,
    FOREIGN KEY (guest_device_id, guest_id) REFERENCES wellness.devices (id, user_id) ON DELETE CASCADE
);
CREATE INDEX friend_visits_host_idx ON wellness.friend_visits (host_id, created_at, id);
CREATE INDEX friend_visits_guest_idx ON wellness.friend_visits (guest_id, created_at, id);

-- Challenges among friends: its creator's friends may see and join it between start and end
-- (local dates); progress is computed from the participants' daily figures when read.
CREATE TABLE wellness.challenges (
    id              uuid PRIMARY KEY,
    creator_id      uuid NOT NULL REFERENCES platform.users (id) ON DELETE CASCADE,
    name            text NOT NULL,
    description     text,
    challenge_type  text NOT NULL CHECK (challenge_type IN (
                        'reduce_screen_time', 'reduce_unlocks', 'reduce_social_media', 'increase_productivity')),
    target          integer NOT NULL CHECK (target >= 0),
    start_date      date NOT NULL,
    end_date        date NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (end_date >= start_date)
);
CREATE INDEX challenges_creator_idx ON wellness.challenges (creator_id, created_at, id);

CREATE TABLE wellness.challenge_participants (
    challenge_id  uuid NOT NULL REFERENCES wellness.challenges (id) ON DELETE CASCADE,
    user_id       uuid NOT NULL REFERENCES platform.users (id) ON DELETE CASCADE,
    joined_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (challenge_id, user_id)
);
CREATE INDEX challenge_participants_user_idx ON wellness.challenge_participants (user_id);

-- Deleting a user's wellness data (DELETE /api/accounts/users/me/ deletes the profile last) also
-- forgets them socially: their connections (both sides), visits, challenges they made and their
-- participation. These tables name two users, so they carry no single user_id column to delete by.
CREATE FUNCTION wellness.social_forget_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM wellness.friend_connections WHERE OLD.user_id IN (requester_id, addressee_id);
    DELETE FROM wellness.friend_visits WHERE OLD.user_id IN (host_id, guest_id);
    DELETE FROM wellness.challenges WHERE creator_id = OLD.user_id;
    DELETE FROM wellness.challenge_participants WHERE user_id = OLD.user_id;
    RETURN OLD;
END
$$;

CREATE TRIGGER profiles_social_forget AFTER DELETE ON wellness.profiles
    FOR EACH ROW EXECUTE FUNCTION wellness.social_forget_user();
