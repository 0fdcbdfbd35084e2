-- The two bulk tables of an export (films, viewings: thousands of rows per upload, written by COPY)
-- lose their per-row foreign key to movies.sessions and the enrichment-status index: the RI check
-- was about a sixth of the COPY's time (tests/bench/bench_movies.py), and a session's films are found
-- through films_session_id_position_key anyway. Their rows are deleted with their session by
-- movies.repository (delete_session, delete_expired) in the same transaction as the session row;
-- the integration tests check nothing is left behind.
-- depends: movies_0001_init

ALTER TABLE movies.films DROP CONSTRAINT IF EXISTS films_session_id_fkey;
ALTER TABLE movies.viewings DROP CONSTRAINT IF EXISTS viewings_session_id_fkey;
DROP INDEX IF EXISTS movies.films_session_enrichment_idx;
