-- movies product (design document 003): anonymous sessions holding one Letterboxd export each.
-- Everything hangs off movies.sessions with ON DELETE CASCADE, so deleting a session (by its
-- holder, or the nightly expiry) deletes every row parsed from its export.
-- depends: platform_0001_users

CREATE SCHEMA IF NOT EXISTS movies;

CREATE TABLE movies.sessions (
    id               uuid PRIMARY KEY,
    status           text NOT NULL DEFAULT 'processing'
                     CHECK (status IN ('processing', 'enriching', 'completed', 'failed')),
    -- finer than status: awaiting_upload -> parsing -> enriching -> done (or failed)
    stage            text NOT NULL DEFAULT 'awaiting_upload'
                     CHECK (stage IN ('awaiting_upload', 'parsing', 'enriching', 'done', 'failed')),
    source           text NOT NULL CHECK (source IN ('multipart', 'presigned')),
    upload_key       text,
    failure_code     text,
    failure_reason   text,
    total_movies     integer NOT NULL DEFAULT 0,
    total_viewings   integer NOT NULL DEFAULT 0,
    summary          jsonb NOT NULL DEFAULT '{}'::jsonb,
    enrichment       text NOT NULL DEFAULT 'pending'
                     CHECK (enrichment IN ('pending', 'running', 'skipped', 'done')),
    enrichment_note  text,
    enqueued_at      timestamptz,
    parse_claimed_at timestamptz,
    parse_attempts   integer NOT NULL DEFAULT 0,
    parsed_at        timestamptz,
    completed_at     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL
);
CREATE INDEX sessions_expires_idx ON movies.sessions (expires_at);

-- One row per distinct film the person has seen (watched, diary, ratings, reviews merged).
CREATE TABLE movies.films (
    id                  uuid PRIMARY KEY,
    session_id          uuid NOT NULL REFERENCES movies.sessions (id) ON DELETE CASCADE,
    position            integer NOT NULL,
    name                text NOT NULL,
    year                integer,
    letterboxd_uri      text,
    rating              numeric(2, 1) CHECK (rating BETWEEN 0.5 AND 5),
    rating_source       text CHECK (rating_source IN ('diary', 'ratings', 'reviews')),
    marked_watched_on   date,
    first_watched_on    date,
    last_watched_on     date,
    viewing_count       integer NOT NULL DEFAULT 0,
    rewatch_count       integer NOT NULL DEFAULT 0,
    review_count        integer NOT NULL DEFAULT 0,
    liked               boolean NOT NULL DEFAULT false,
    tags                text[] NOT NULL DEFAULT '{}',
    sources             text[] NOT NULL DEFAULT '{}',
    identity_note       text,
    -- TMDB enrichment
    enrichment_status   text NOT NULL DEFAULT 'pending'
                        CHECK (enrichment_status IN ('pending', 'matched', 'not_found', 'ambiguous', 'failed', 'skipped')),
    enrichment_attempts integer NOT NULL DEFAULT 0,
    enrichment_error    text,
    tmdb_id             integer,
    tmdb_title          text,
    tmdb_release_date   date,
    match_confidence    real CHECK (match_confidence BETWEEN 0 AND 1),
    genres              text[],
    runtime_minutes     integer CHECK (runtime_minutes >= 0),
    directors           text[],
    countries           text[],
    poster_path         text,
    enriched_at         timestamptz,
    UNIQUE (session_id, position)
);
CREATE INDEX films_session_enrichment_idx ON movies.films (session_id, enrichment_status);

-- film_id columns below point at movies.films (id) of the same session. They carry no foreign key:
-- the rows come from one merge and are written by COPY in one transaction, and they are deleted with
-- their session, so a per-row RI trigger would only slow the bulk load.

-- Diary entries: one row per viewing; each rewatch is its own row.
CREATE TABLE movies.viewings (
    id             uuid PRIMARY KEY,
    session_id     uuid NOT NULL REFERENCES movies.sessions (id) ON DELETE CASCADE,
    film_id        uuid NOT NULL,
    position       integer NOT NULL,
    watched_on     date,
    logged_on      date,
    rating         numeric(2, 1) CHECK (rating BETWEEN 0.5 AND 5),
    rewatch_flag   boolean NOT NULL DEFAULT false,
    is_rewatch     boolean NOT NULL DEFAULT false,
    tags           text[] NOT NULL DEFAULT '{}',
    letterboxd_uri text,
    source         text NOT NULL CHECK (source IN ('diary', 'reviews'))
);
CREATE INDEX viewings_session_idx ON movies.viewings (session_id, film_id);

CREATE TABLE movies.ratings (
    session_id     uuid NOT NULL REFERENCES movies.sessions (id) ON DELETE CASCADE,
    film_id        uuid NOT NULL,
    rating         numeric(2, 1) NOT NULL CHECK (rating BETWEEN 0.5 AND 5),
    rated_on       date,
    letterboxd_uri text
);
CREATE INDEX ratings_session_idx ON movies.ratings (session_id);

CREATE TABLE movies.reviews (
    id             uuid PRIMARY KEY,
    session_id     uuid NOT NULL REFERENCES movies.sessions (id) ON DELETE CASCADE,
    film_id        uuid NOT NULL,
    viewing_id     uuid,
    watched_on     date,
    published_on   date,
    rating         numeric(2, 1) CHECK (rating BETWEEN 0.5 AND 5),
    rewatch_flag   boolean NOT NULL DEFAULT false,
    review         text NOT NULL,
    tags           text[] NOT NULL DEFAULT '{}',
    letterboxd_uri text
);
CREATE INDEX reviews_session_idx ON movies.reviews (session_id);

-- Films wanted, not seen: kept apart from movies.films so they never count as watched.
CREATE TABLE movies.watchlist (
    session_id     uuid NOT NULL REFERENCES movies.sessions (id) ON DELETE CASCADE,
    position       integer NOT NULL,
    name           text NOT NULL,
    year           integer,
    letterboxd_uri text,
    added_on       date
);
CREATE INDEX watchlist_session_idx ON movies.watchlist (session_id);

CREATE TABLE movies.likes (
    session_id     uuid NOT NULL REFERENCES movies.sessions (id) ON DELETE CASCADE,
    film_id        uuid,
    name           text NOT NULL,
    year           integer,
    letterboxd_uri text,
    liked_on       date
);
CREATE INDEX likes_session_idx ON movies.likes (session_id);

CREATE TABLE movies.lists (
    id          uuid PRIMARY KEY,
    session_id  uuid NOT NULL REFERENCES movies.sessions (id) ON DELETE CASCADE,
    name        text NOT NULL,
    description text,
    tags        text[] NOT NULL DEFAULT '{}',
    url         text,
    created_on  date,
    entry_count integer NOT NULL DEFAULT 0
);
CREATE INDEX lists_session_idx ON movies.lists (session_id);

CREATE TABLE movies.list_entries (
    list_id     uuid NOT NULL REFERENCES movies.lists (id) ON DELETE CASCADE,
    session_id  uuid NOT NULL REFERENCES movies.sessions (id) ON DELETE CASCADE,
    position    integer NOT NULL,
    name        text NOT NULL,
    year        integer,
    url         text,
    note        text,
    film_id     uuid
);
CREATE INDEX list_entries_session_idx ON movies.list_entries (session_id, list_id);
