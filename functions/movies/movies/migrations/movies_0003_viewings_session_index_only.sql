-- movies.viewings keeps one index, on session_id: every read of viewings (statistics, deletion)
-- names the session and nothing looks a viewing up by its id (reviews.viewing_id is a link, not a
-- foreign key). Its primary key on the random UUID id and film_id in the session index cost
-- about a third of the table's COPY time (tests/bench/bench_movies.py) and helped no query. The ids
-- stay unique: UUID 4s from the CSPRNG (movies.domain.export).
-- depends: movies_0002_bulk_tables_without_fk

ALTER TABLE movies.viewings DROP CONSTRAINT IF EXISTS viewings_pkey;
DROP INDEX IF EXISTS movies.viewings_session_idx;
CREATE INDEX viewings_session_idx ON movies.viewings (session_id);
