-- music product (design document 002): profiles with a taste vector, roles, songs with vector(5)
-- embeddings, physical players and their libraries and queues, listener sessions, votes, history,
-- and recommend_with_penalty. Everything lives in the music schema.
-- depends: platform_0001_users

CREATE SCHEMA IF NOT EXISTS music;

-- ---------------------------------------------------------------- people
-- Document: profiles extends auth.users; here it extends platform.users (identity from the JWT).
-- preference_vector is kept unit-length (or all zero before the first vote that moves it), so
-- averaging listeners weighs each of them the same (see music.collective_vector).
CREATE TABLE music.profiles (
    id                 uuid PRIMARY KEY REFERENCES platform.users (id) ON DELETE CASCADE,
    email              text,
    name               text,
    display_name       text,
    preference_vector  vector(5) NOT NULL DEFAULT '[0,0,0,0,0]',
    votes_count        integer NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);

-- One role per user (document: "Default users have no entry").
CREATE TABLE music.roles (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL UNIQUE REFERENCES music.profiles (id) ON DELETE CASCADE,
    role        text NOT NULL CHECK (role IN ('admin', 'manager')),
    granted_by  uuid REFERENCES platform.users (id),
    granted_at  timestamptz NOT NULL DEFAULT now()
);

-- ---------------------------------------------------------------- the exact nearest-song search
-- Songs are searched by cosine distance. For unit vectors u, t: |u - t|^2 = 2 (1 - u.t) = 2 * cosine
-- distance, so the k nearest by cosine distance are the k nearest unit vectors by L2. Each song
-- keeps its unit vector and a grid code: each coordinate of the unit vector, in [-1, 1], quantised
-- to 12 bits, the five 12-bit numbers interleaved bit by bit (a Morton / Z-order code, most
-- significant bits first). A grid cell of any coarser level l (the top l bits of each coordinate)
-- is then one contiguous range of codes, so one btree answers "the songs in this cell" at every
-- level. Search (music.nearest_songs): pick a radius d, read the songs of the cells that meet the
-- ball of radius d around the target and take the k nearest of them. If the k-th lies within d,
-- they are the exact k nearest (every song within d was read). If not, the k-th distance is a
-- radius known to hold k songs: one more round at that radius is exact. pgvector 0.6 has no
-- iterative index scans, and its HNSW / IVFFlat indexes filter after an approximate search (so
-- they can miss songs, or return fewer than asked when the nearest ones are penalised); this
-- search is exact by construction and reads about the same few thousand rows at 10k or 1M songs.

-- Written as single SQL expressions, and not STRICT, so PostgreSQL inlines them (into the
-- generated columns too): a NULL argument gives NULL all the same.
-- A vector that is not 5-dimensional fails the ::vector cast (a NULL element), as it should.
CREATE FUNCTION music.unit_vector(v vector) RETURNS vector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN vector_norm(v) > 0 THEN
        ARRAY[(v::real[])[1] / vector_norm(v), (v::real[])[2] / vector_norm(v), (v::real[])[3] / vector_norm(v),
              (v::real[])[4] / vector_norm(v), (v::real[])[5] / vector_norm(v)]::vector
    END
$$;

CREATE FUNCTION music._quantize(x float8) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT least(4095, greatest(0, floor((x + 1.0) * 2048.0)))::integer
$$;

CREATE FUNCTION music._spread5(q integer) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (((q >> 0) & 1)::bigint << 0) | (((q >> 1) & 1)::bigint << 5) | (((q >> 2) & 1)::bigint << 10) | (((q >> 3) & 1)::bigint << 15) | (((q >> 4) & 1)::bigint << 20) | (((q >> 5) & 1)::bigint << 25) | (((q >> 6) & 1)::bigint << 30) | (((q >> 7) & 1)::bigint << 35) | (((q >> 8) & 1)::bigint << 40) | (((q >> 9) & 1)::bigint << 45) | (((q >> 10) & 1)::bigint << 50) | (((q >> 11) & 1)::bigint << 55)
$$;

CREATE FUNCTION music._interleave(q1 integer, q2 integer, q3 integer, q4 integer, q5 integer) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (music._spread5(q1) << 4) | (music._spread5(q2) << 3) | (music._spread5(q3) << 2)
         | (music._spread5(q4) << 1) | music._spread5(q5)
$$;

CREATE FUNCTION music.grid_code(v vector) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN vector_norm(v) > 0 THEN
        music._interleave(music._quantize((v::real[])[1] / vector_norm(v)), music._quantize((v::real[])[2] / vector_norm(v)),
                          music._quantize((v::real[])[3] / vector_norm(v)), music._quantize((v::real[])[4] / vector_norm(v)),
                          music._quantize((v::real[])[5] / vector_norm(v)))
    END
$$;

-- ---------------------------------------------------------------- songs
-- Document: songs(title, artist, file_url, type, embedding, duration, bpm). The audio lives in a
-- private bucket at file_key (file_url in responses is a presigned GET). status: awaiting_upload
-- (no audio yet, e.g. imported from a features CSV), processing (uploaded, being checked), ready
-- (playable), rejected (the upload was not audio; reason says why).
CREATE TABLE music.songs (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    artist           text CHECK (length(artist) <= 500),
    type             text CHECK (type IN ('soundscape', 'instrumental')),
    status           text NOT NULL DEFAULT 'awaiting_upload'
                     CHECK (status IN ('awaiting_upload', 'processing', 'ready', 'rejected')),
    reason           text,
    reason_code      text,
    file_key         text UNIQUE,
    upload_key       text UNIQUE,
    declared_type    text,
    mime_type        text,
    file_size_bytes  bigint CHECK (file_size_bytes >= 0),
    embedding        vector(5) CHECK (embedding IS NULL OR vector_norm(embedding) > 0),
    unit             vector(5) GENERATED ALWAYS AS (music.unit_vector(embedding)) STORED,
    cell             bigint GENERATED ALWAYS AS (music.grid_code(embedding)) STORED,
    duration         integer CHECK (duration BETWEEN 0 AND 86400),
    bpm              integer CHECK (bpm BETWEEN 1 AND 1000),
    source           text,
    external_id      text,
    created_by       uuid REFERENCES platform.users (id),
    claimed_at       timestamptz,
    processed_at     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source, external_id),
    CHECK (status <> 'ready' OR file_key IS NOT NULL)
);
CREATE INDEX songs_grid_idx ON music.songs (cell) INCLUDE (id, unit) WHERE status = 'ready';
CREATE INDEX songs_created_idx ON music.songs (created_at DESC, id DESC);

-- ---------------------------------------------------------------- players
-- Document: players(name, token unique, status, current_song_id, last_poll, manager_id). The device
-- token is never stored: token_hash is its SHA-256 (the token is 256 random bits, so a fast hash
-- is enough); token_hint is its first characters for people to tell tokens apart.
CREATE TABLE music.players (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    token_hash        bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    token_hint        text NOT NULL,
    token_rotated_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at        timestamptz,
    status            text NOT NULL DEFAULT 'offline' CHECK (status IN ('online', 'offline', 'playing', 'idle')),
    current_song_id   uuid REFERENCES music.songs (id) ON DELETE SET NULL,
    last_poll         timestamptz,
    manager_id        uuid REFERENCES music.profiles (id) ON DELETE SET NULL,
    library_size      integer NOT NULL DEFAULT 0 CHECK (library_size >= 0),
    next_position     integer NOT NULL DEFAULT 1,
    created_by        uuid REFERENCES platform.users (id),
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX players_manager_idx ON music.players (manager_id, created_at, id);

-- If a player has entries here it plays only these songs; if none, the whole catalogue.
CREATE TABLE music.player_library (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    player_id  uuid NOT NULL REFERENCES music.players (id) ON DELETE CASCADE,
    song_id    uuid NOT NULL REFERENCES music.songs (id) ON DELETE CASCADE,
    added_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (player_id, song_id)
);
CREATE INDEX player_library_song_idx ON music.player_library (song_id);

CREATE FUNCTION music._library_size() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE music.players p SET library_size = p.library_size + n.c
          FROM (SELECT player_id, count(*) AS c FROM changed GROUP BY player_id) n WHERE p.id = n.player_id;
    ELSE
        UPDATE music.players p SET library_size = greatest(0, p.library_size - n.c)
          FROM (SELECT player_id, count(*) AS c FROM changed GROUP BY player_id) n WHERE p.id = n.player_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER player_library_added AFTER INSERT ON music.player_library
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION music._library_size();
CREATE TRIGGER player_library_removed AFTER DELETE ON music.player_library
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION music._library_size();

-- Positions grow forever per player (players.next_position) and are never renumbered; the head
-- of the queue is the lowest position. A song is queued at most once per player.
CREATE TABLE music.player_queue (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    player_id  uuid NOT NULL REFERENCES music.players (id) ON DELETE CASCADE,
    song_id    uuid NOT NULL REFERENCES music.songs (id) ON DELETE CASCADE,
    position   integer NOT NULL CHECK (position > 0),
    reason     text,
    added_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (player_id, position),
    UNIQUE (player_id, song_id)
);

-- ---------------------------------------------------------------- listeners
-- Document: sessions(user_id, checked_in_at, expires_at, status); addition: player_id, since a
-- listener is checked in at one venue. One active session per user.
CREATE TABLE music.sessions (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         uuid NOT NULL REFERENCES music.profiles (id) ON DELETE CASCADE,
    player_id       uuid NOT NULL REFERENCES music.players (id) ON DELETE CASCADE,
    checked_in_at   timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    checked_out_at  timestamptz,
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
    CHECK (expires_at > checked_in_at)
);
CREATE UNIQUE INDEX sessions_one_active_idx ON music.sessions (user_id) WHERE status = 'active';
CREATE INDEX sessions_player_active_idx ON music.sessions (player_id, expires_at) WHERE status = 'active';

CREATE TABLE music.votes (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL REFERENCES music.profiles (id) ON DELETE CASCADE,
    song_id     uuid NOT NULL REFERENCES music.songs (id) ON DELETE CASCADE,
    session_id  uuid REFERENCES music.sessions (id) ON DELETE SET NULL,
    player_id   uuid REFERENCES music.players (id) ON DELETE SET NULL,
    vote_value  integer NOT NULL CHECK (vote_value BETWEEN 1 AND 5),
    vote_time   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX votes_user_idx ON music.votes (user_id, vote_time DESC);
CREATE INDEX votes_song_idx ON music.votes (song_id);

-- History. queue_entry_id makes a repeated "played" report of the same queue entry a no-op.
CREATE TABLE music.songs_playing (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    player_id       uuid NOT NULL REFERENCES music.players (id) ON DELETE CASCADE,
    song_id         uuid NOT NULL REFERENCES music.songs (id) ON DELETE CASCADE,
    queue_entry_id  uuid UNIQUE,
    played_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX songs_playing_player_idx ON music.songs_playing (player_id, played_at DESC, id DESC);

-- ---------------------------------------------------------------- recommendation
-- The exact k nearest ready songs to p_target by cosine distance (see the grid above), as
-- (song_id, cosine distance), nearest first, ties by id. NULL or zero target, or k <= 0: no rows.
-- Cost: the songs of the grid cells meeting a ball that would hold about 4k songs if they were
-- spread evenly (the catalogue size from pg_class.reltuples), whatever the catalogue size; a
-- second round when the data is sparser there; a full scan only when fewer than k songs lie
-- within L2 distance 1 (cosine similarity 0.5) of the target.
CREATE FUNCTION music.nearest_songs(p_target vector, p_k integer)
RETURNS TABLE (song_id uuid, distance float8)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET max_parallel_workers_per_gather = 0 AS $$
DECLARE
    t    vector := music.unit_vector(p_target);
    ta   real[];
    n    float8;
    d    float8;
    lvl  integer;
    sh   integer;
    span bigint;
    w    float8;
    dd   float8;
    lo   float8;
    hi   float8;
    blo  integer[] := '{0,0,0,0,0}';
    bhi  integer[] := '{0,0,0,0,0}';
    g1 float8; g2 float8; g3 float8; g4 float8;
    n1 float8; n2 float8; n3 float8; n4 float8;
    f1 float8; f2 float8; f3 float8; f4 float8;
    c1 bigint; c2 bigint; c3 bigint; c4 bigint;
    j  integer;
    gap  float8[] := array_fill(0.0::float8, ARRAY[40]);
    near float8[] := array_fill(0.0::float8, ARRAY[40]);
    far  float8[] := array_fill(0.0::float8, ARRAY[40]);
    code bigint[] := array_fill(0::bigint, ARRAY[40]);
    cells bigint[];
    ids  uuid[];
    ds   float8[];
    found integer;
BEGIN
    IF t IS NULL OR p_k IS NULL OR p_k <= 0 THEN
        RETURN;
    END IF;
    ta := t::real[];
    SELECT greatest(c.reltuples, 1) INTO n FROM pg_class c WHERE c.oid = 'music.songs'::regclass;
    -- First radius: what would hold 4k songs spread evenly over the positive orthant of the unit
    -- sphere S^4 (area 8 pi^2 / 3 / 32 = 0.82; a small 4-ball of radius r covers pi^2 r^4 / 2).
    d := power(4.0 * p_k * 0.17 / n, 0.25);
    LOOP
        IF d >= 1.0 THEN
            RETURN QUERY
                SELECT s.id, (s.unit <=> t)::float8
                  FROM music.songs s
                 WHERE s.status = 'ready' AND s.unit IS NOT NULL
                 ORDER BY s.unit <=> t, s.id
                 LIMIT p_k;
            RETURN;
        END IF;
        -- cell side 2 / 2^lvl nearest d (between 0.71 d and 1.41 d): larger cells mean more songs
        -- read, smaller ones more cells to look up; about d balances the two.
        lvl := least(12, floor(log(2.0, (2.0 / d)::numeric) + 0.5)::integer);
        sh := 12 - lvl;
        span := (1::bigint << (5 * sh)) - 1;
        -- The cells (codes whose low 5 * sh bits are zero) that meet both the ball of radius d
        -- around the target and the unit sphere (songs lie on it). Per dimension i and bin b the
        -- terms are computed once: gap = squared distance from the target's coordinate to the bin,
        -- near / far = squared distance from 0 to the bin's nearest / farthest point, code = the
        -- bin's bits in the Morton code. The five nested loops add them up and prune early.
        w := power(2, sh) / 2048.0;
        dd := d * d;
        cells := '{}';
        FOR i IN 1..5 LOOP
            blo[i] := music._quantize(ta[i] - d - 1e-6) >> sh;
            bhi[i] := music._quantize(ta[i] + d + 1e-6) >> sh;
            IF bhi[i] - blo[i] > 7 THEN  -- cannot happen with a cell side >= 0.7 d; never truncate silently
                RAISE EXCEPTION 'grid search: % bins in one dimension', bhi[i] - blo[i] + 1;
            END IF;
            FOR b IN blo[i]..bhi[i] LOOP
                lo := b * w - 1.0;
                hi := lo + w;
                j := (i - 1) * 8 + (b - blo[i]) + 1;
                gap[j] := greatest(0.0, lo - ta[i], ta[i] - hi) ^ 2;
                near[j] := greatest(0.0, lo, -hi) ^ 2;
                far[j] := greatest(lo * lo, hi * hi);
                code[j] := music._spread5(b << sh) << (5 - i);
            END LOOP;
        END LOOP;
        FOR j1 IN 1..(bhi[1] - blo[1] + 1) LOOP
            g1 := gap[j1]; n1 := near[j1]; f1 := far[j1]; c1 := code[j1];
            FOR j2 IN 9..(bhi[2] - blo[2] + 9) LOOP
                g2 := g1 + gap[j2]; n2 := n1 + near[j2];
                CONTINUE WHEN g2 > dd OR n2 > 1.0001;
                f2 := f1 + far[j2]; c2 := c1 | code[j2];
                FOR j3 IN 17..(bhi[3] - blo[3] + 17) LOOP
                    g3 := g2 + gap[j3]; n3 := n2 + near[j3];
                    CONTINUE WHEN g3 > dd OR n3 > 1.0001;
                    f3 := f2 + far[j3]; c3 := c2 | code[j3];
                    FOR j4 IN 25..(bhi[4] - blo[4] + 25) LOOP
                        g4 := g3 + gap[j4]; n4 := n3 + near[j4];
                        CONTINUE WHEN g4 > dd OR n4 > 1.0001;
                        f4 := f3 + far[j4]; c4 := c3 | code[j4];
                        FOR j5 IN 33..(bhi[5] - blo[5] + 33) LOOP
                            CONTINUE WHEN g4 + gap[j5] > dd OR n4 + near[j5] > 1.0001 OR f4 + far[j5] < 0.9999;
                            cells := cells || (c4 | code[j5]);
                        END LOOP;
                    END LOOP;
                END LOOP;
            END LOOP;
        END LOOP;
        SELECT array_agg(x.id ORDER BY x.dist, x.id), array_agg(x.dist ORDER BY x.dist, x.id) INTO ids, ds
          FROM (SELECT s.id, (s.unit <=> t)::float8 AS dist
                  FROM unnest(cells) AS c(lo)
                 CROSS JOIN LATERAL (
                       SELECT g.id, g.unit FROM music.songs g
                        WHERE g.cell BETWEEN c.lo AND c.lo + span AND g.status = 'ready') AS s
                 ORDER BY 2, 1
                 LIMIT p_k) x;
        -- ids / ds: the k nearest of the songs read (every song within d of the target was read).
        -- If the k-th of them lies within d they are the exact answer. Otherwise the k-th distance
        -- is a radius known to hold k songs, so the next round, at that radius, is the last.
        found := coalesce(cardinality(ids), 0);
        IF found >= p_k THEN
            IF sqrt(greatest(0.0, 2.0 * ds[p_k])) <= d THEN
                RETURN QUERY SELECT * FROM unnest(ids, ds);
                RETURN;
            END IF;
            d := sqrt(greatest(0.0, 2.0 * ds[p_k])) + 1e-6;  -- L2 between unit vectors = sqrt(2 * cosine distance)
        ELSE
            d := d * 2.0;
        END IF;
    END LOOP;
END $$;

-- The collective vector of a player: the mean of the unit preference vectors of its listeners with
-- an active, unexpired session and some taste (a zero vector has none). Each listener counts once,
-- however often they vote. NULL when nobody with a taste is checked in.
CREATE FUNCTION music.collective_vector(p_player_id uuid) RETURNS vector
LANGUAGE sql STABLE AS $$
    SELECT avg(music.unit_vector(pr.preference_vector))
      FROM music.sessions se
      JOIN music.profiles pr ON pr.id = se.user_id
     WHERE se.player_id = p_player_id AND se.status = 'active' AND se.expires_at > now()
       AND vector_norm(pr.preference_vector) > 0
$$;

-- With nobody to listen to: keep the room's recent mood (mean embedding of the last 10 songs played
-- here), or, for a player that never played, the balanced direction [1,1,1,1,1].
CREATE FUNCTION music.fallback_vector(p_player_id uuid) RETURNS vector
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT avg(s.unit)
           FROM (SELECT song_id FROM music.songs_playing WHERE player_id = p_player_id
                  ORDER BY played_at DESC, id DESC LIMIT 10) h
           JOIN music.songs s ON s.id = h.song_id
          WHERE s.unit IS NOT NULL),
        '[1,1,1,1,1]'::vector)
$$;

-- recommend_with_penalty (document 002, "Data Flow" step 4): the next songs for a player.
--   target  = p_target, else the collective vector of its listeners, else the fallback above;
--   score   = cosine distance to the target (0..2) + penalty, lowest first, ties by song id;
--   penalty = 4 for a song already in the player's queue; 2 + 2 * (1 - age / p_window) for a song
--             the player played within p_window (so 4 just played, 2 at the window's edge); else 0.
--   A penalised song therefore ranks after every unpenalised one, and recently played songs come
--   back longest-ago first only when nothing else is left.
--   Only ready songs with an embedding; only the player's library when it has one.
-- Exact: the library branch scans the library; the catalogue branch takes the exact
-- (p_limit + number of penalised songs) nearest songs (music.nearest_songs), which must contain the
-- p_limit nearest unpenalised ones, and scores the penalised songs directly.
CREATE FUNCTION music.recommend_with_penalty(
    p_player_id uuid,
    p_target    vector DEFAULT NULL,
    p_limit     integer DEFAULT 10,
    p_window    interval DEFAULT interval '3 hours'
) RETURNS TABLE (song_id uuid, distance float8, penalty float8, score float8, target_source text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    lib      integer;
    t        vector;
    src      text := 'given';
    pen_ids  uuid[];
    pen_vals float8[];
BEGIN
    SELECT p.library_size INTO lib FROM music.players p WHERE p.id = p_player_id;
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

    IF lib > 0 THEN
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
