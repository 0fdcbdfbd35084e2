-- Three changes after review; music_0001_init is applied and stays as it is.
--
-- 1. Library-only mode needs a playable song. Document 002: "If a player has entries here
--    [player_library], it plays *only* these." A library whose songs are not playable yet (no audio:
--    awaiting_upload, processing, rejected; or no embedding to rank it by) made recommend_with_penalty
--    return nothing, and the room went silent. Rule now: a player plays only its library when at
--    least one library song is playable (status 'ready' with an embedding, exactly the songs the
--    library branch can return); until then it plays the catalogue, as a player without a library
--    does. A manager can so build a library while its audio is still uploading, and the player
--    switches to it as soon as its first song is ready. music.plays_library_only is that rule, used
--    by recommend_with_penalty (below) and by the vote check (music.repository.song_for_vote).
-- 2. players.refilled_at: when the player's queue was last refilled (schedule, poll, play, vote,
--    check-in). The every-minute schedule takes the players it refills oldest refill first, so a run
--    that runs out of time leaves the freshest queues for the next run, never the same players.
-- 3. roles are listed with keyset pages on (granted_at, id).
-- depends: music_0001_init

CREATE FUNCTION music.plays_library_only(p_player_id uuid) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT EXISTS (SELECT 1 FROM music.player_library l
                     JOIN music.songs s ON s.id = l.song_id
                    WHERE l.player_id = p_player_id AND s.status = 'ready' AND s.unit IS NOT NULL)
$$;

-- Not indexed (nor is last_poll): the schedule reads the small players table once a run, and
-- unindexed columns keep the frequent heartbeat and refill updates HOT.
ALTER TABLE music.players ADD COLUMN refilled_at timestamptz;

CREATE INDEX roles_granted_idx ON music.roles (granted_at, id);

-- recommend_with_penalty as in music_0001_init, but for the library test: library-only mode when
-- music.plays_library_only (at least one playable library song), not when library_size > 0.
CREATE OR REPLACE FUNCTION music.recommend_with_penalty(
    p_player_id uuid,
    p_target    vector DEFAULT NULL,
    p_limit     integer DEFAULT 10,
    p_window    interval DEFAULT interval '3 hours'
) RETURNS TABLE (song_id uuid, distance float8, penalty float8, score float8, target_source text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    library_only boolean;
    t        vector;
    src      text := 'given';
    pen_ids  uuid[];
    pen_vals float8[];
BEGIN
    SELECT music.plays_library_only(p.id) INTO library_only FROM music.players p WHERE p.id = p_player_id;
    IF NOT FOUND OR p_limit IS NULL OR p_limit <= 0 THEN
        RETURN;
    END IF;
    t := music.unit_vector(p_target);
    IF t IS NULL THEN
        src := 'listeners';
        t := music.unit_vector(music.collective_vector(p_player_id));
    END IF;
    IF t IS NULL THEN
        src := 'fallback';
        t := music.unit_vector(music.fallback_vector(p_player_id));
    END IF;

    SELECT coalesce(array_agg(x.song_id), '{}'), coalesce(array_agg(x.pen), '{}') INTO pen_ids, pen_vals
      FROM (SELECT u.song_id, max(u.pen) AS pen
              FROM (SELECT q.song_id, 4.0::float8 AS pen
                      FROM music.player_queue q WHERE q.player_id = p_player_id
                    UNION ALL
                    SELECT h.song_id,
                           2.0 + 2.0 * greatest(0.0, 1.0 - extract(epoch FROM now() - h.played_at)
                                                         / greatest(extract(epoch FROM p_window), 1))::float8
                      FROM (SELECT sp.song_id, sp.played_at FROM music.songs_playing sp
                             WHERE sp.player_id = p_player_id AND sp.played_at > now() - p_window
                             ORDER BY sp.played_at DESC LIMIT 500) h) u
             GROUP BY u.song_id) x;

    IF library_only THEN
        RETURN QUERY
            SELECT s.id, (s.unit <=> t)::float8, coalesce(p.pen, 0.0),
                   (s.unit <=> t)::float8 + coalesce(p.pen, 0.0), src
              FROM music.player_library l
              JOIN music.songs s ON s.id = l.song_id AND s.status = 'ready' AND s.unit IS NOT NULL
              LEFT JOIN unnest(pen_ids, pen_vals) AS p(id, pen) ON p.id = s.id
             WHERE l.player_id = p_player_id
             ORDER BY 4, 1
             LIMIT p_limit;
        RETURN;
    END IF;

    RETURN QUERY
        SELECT x.sid, x.dist, x.pen, x.dist + x.pen, src
          FROM (SELECT n.song_id AS sid, n.distance AS dist, 0.0::float8 AS pen
                  FROM music.nearest_songs(t, p_limit + cardinality(pen_ids)) n
                 WHERE NOT (n.song_id = ANY (pen_ids))
                UNION ALL
                SELECT s.id, (s.unit <=> t)::float8, p.pen
                  FROM unnest(pen_ids, pen_vals) AS p(id, pen)
                  JOIN music.songs s ON s.id = p.id AND s.status = 'ready' AND s.unit IS NOT NULL) x
         ORDER BY 4, 1
         LIMIT p_limit;
END $$;
