-- Issue 9 items 5 and 6.
-- 1. players.venue_code: how listeners find a venue's player. The player shows it (its poll
--    answer carries it); a listener types it into GET /api/venues/{code}/ and checks in. Eight
--    characters from a 32-letter alphabet without look-alikes (no I, O, 0, 1): 32^8 ~ 1.1e12 codes,
--    drawn from gen_random_uuid()'s CSPRNG bytes (the random bytes of a version 4 UUID: 0-5, 10, 11;
--    256 is a multiple of 32, so every letter is equally likely). Existing players get one now.
-- 2. players.vote_replanned_at: when a vote last re-planned the player's queue; votes re-plan a
--    queue at most once per vote_replan_seconds (music.settings), the others wait for the next one.
-- depends: music_0002_playable_library_and_refill_order

CREATE OR REPLACE FUNCTION music.new_venue_code() RETURNS text
LANGUAGE sql VOLATILE AS $$
    SELECT string_agg(substr('ABCDEFGHJKLMNPQRSTUVWXYZ23456789', 1 + get_byte(x.b, i) % 32, 1), '' ORDER BY i)
      FROM (SELECT uuid_send(gen_random_uuid()) AS b) x, unnest(ARRAY[0, 1, 2, 3, 4, 5, 10, 11]) AS i
$$;

ALTER TABLE music.players ADD COLUMN IF NOT EXISTS venue_code text NOT NULL DEFAULT music.new_venue_code();
CREATE UNIQUE INDEX IF NOT EXISTS players_venue_code_key ON music.players (venue_code);
ALTER TABLE music.players ADD COLUMN IF NOT EXISTS vote_replanned_at timestamptz;
-- 3. Songs still processing (few at any time), for the settling of uploads that never arrive
--    (music.repository.settle_stalled_uploads runs on every read of the managers' song list).
CREATE INDEX IF NOT EXISTS songs_processing_idx ON music.songs (updated_at) WHERE status = 'processing';
