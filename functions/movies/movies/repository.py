"""SQL of the movies product (psycopg 3, hand-written). The only module here that talks to PostgreSQL.

Every query names its session: a session id is the capability (an unguessable UUID 4), so a row
of another session is simply not found. Expired sessions are invisible before the nightly job
deletes them (``expires_at > now()`` in every read). Bulk writes use COPY (psycopg ``Cursor.copy``).

Every function takes the connection as its first argument: the service owns the connections and
transactions (``backlot.db``) and passes them in; nothing here opens one
(``tests/contract/test_transactions.py``).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql

from movies.domain.export import Export

ALIVE = "expires_at > now()"
#: ``enrichment_error`` of a film given up because its session's enrichment stalled: final, no
#: later message (a late delivery, a dead-letter redrive) enriches it again.
ENRICHMENT_TIMED_OUT = "enrichment_timed_out"
#: The films an enrichment message may still write: pending, or failed by TMDB (a redrive).
_ENRICHABLE = "enrichment_status IN ('pending', 'failed') AND enrichment_error IS DISTINCT FROM 'enrichment_timed_out'"

SESSION_COLUMNS = (
    "id, status, stage, source, failure_code, failure_reason, total_movies, total_viewings, summary, enrichment, "
    "enrichment_note, created_at, updated_at, expires_at, completed_at, parsed_at, upload_key, enqueued_at"
)
FILM_COLUMNS = (
    "id, position, name, year, letterboxd_uri, rating::float8 AS rating, rating_source, marked_watched_on, "
    "first_watched_on, last_watched_on, viewing_count, rewatch_count, review_count, liked, tags, sources, identity_note, "
    "enrichment_status, enrichment_reason, tmdb_id, tmdb_title, tmdb_release_date, match_confidence::float8 AS match_confidence, genres, "
    "runtime_minutes, directors, countries, poster_path"
)

COPY_COLUMNS = {
    "films": ("id", "session_id", "position", "name", "year", "letterboxd_uri", "rating", "rating_source",
              "marked_watched_on", "first_watched_on", "last_watched_on", "viewing_count", "rewatch_count",
              "review_count", "liked", "tags", "sources", "identity_note", "enrichment_status"),
    "viewings": ("id", "session_id", "film_id", "position", "watched_on", "logged_on", "rating", "rewatch_flag",
                 "is_rewatch", "tags", "letterboxd_uri", "source"),
    "ratings": ("session_id", "film_id", "rating", "rated_on", "letterboxd_uri"),
    "reviews": ("session_id", "id", "film_id", "viewing_id", "watched_on", "published_on", "rating", "rewatch_flag",
                "review", "tags", "letterboxd_uri"),
    "watchlist": ("session_id", "position", "name", "year", "letterboxd_uri", "added_on"),
    "likes": ("session_id", "film_id", "name", "year", "letterboxd_uri", "liked_on"),
    "lists": ("session_id", "id", "name", "description", "tags", "url", "created_on", "entry_count"),
    "list_entries": ("session_id", "list_id", "position", "name", "year", "url", "note", "film_id"),
}


# ---------------------------------------------------------------- sessions
def insert_session(conn: psycopg.Connection,
                   session_id: UUID, *, source: str, expires_at: datetime, upload_key: str | None = None,
                   stage: str = "awaiting_upload") -> dict[str, Any]:
    return conn.execute(
        f"""
        INSERT INTO movies.sessions (id, source, upload_key, stage, expires_at)
        VALUES (%s, %s, %s, %s, %s) RETURNING {SESSION_COLUMNS}
        """,
        (session_id, source, upload_key, stage, expires_at),
    ).fetchone()


def get_session(conn: psycopg.Connection, session_id: UUID) -> dict[str, Any] | None:
    return conn.execute(
        f"SELECT {SESSION_COLUMNS} FROM movies.sessions WHERE id = %s AND {ALIVE}", (session_id,)
    ).fetchone()


def claim_parse(conn: psycopg.Connection, session_id: UUID, lease_seconds: int) -> dict[str, Any] | None:
    """Claim an uploaded session for parsing; None when it is parsed, failed, unknown, expired, or
    claimed by another delivery whose lease has not run out (a duplicate S3 event does no work)."""
    return conn.execute(
        f"""
        UPDATE movies.sessions
           SET stage = 'parsing', parse_claimed_at = now(), parse_attempts = parse_attempts + 1, updated_at = now()
         WHERE id = %s AND status = 'processing' AND parsed_at IS NULL AND {ALIVE}
           AND (parse_claimed_at IS NULL OR parse_claimed_at < now() - make_interval(secs => %s))
        RETURNING {SESSION_COLUMNS}, parse_attempts
        """,
        (session_id, lease_seconds),
    ).fetchone()


def release_parse(conn: psycopg.Connection, session_id: UUID) -> None:
    conn.execute(
        "UPDATE movies.sessions SET parse_claimed_at = NULL WHERE id = %s AND parsed_at IS NULL", (session_id,)
    )


def fail_session(conn: psycopg.Connection, session_id: UUID, code: str, reason: str) -> None:
    conn.execute(
        """
        UPDATE movies.sessions
           SET status = 'failed', stage = 'failed', failure_code = %s, failure_reason = %s, updated_at = now(),
               completed_at = now()
         WHERE id = %s AND status IN ('processing', 'enriching')
        """,
        (code, reason[:1000], session_id),
    )


def mark_enqueued(conn: psycopg.Connection, session_id: UUID) -> None:
    conn.execute("UPDATE movies.sessions SET enqueued_at = now() WHERE id = %s", (session_id,))


def store_export(conn: psycopg.Connection,
                 session_id: UUID, export: Export, *, enrich: bool, enrichment_note: str | None) -> dict[str, Any] | None:
    """Write everything parsed from one export with COPY and move the session on, in the caller's transaction.

    The session row is locked first; if it is already parsed (a duplicate delivery) nothing is
    written and None is returned. After the write the session is ``enriching`` (``enrich``) or
    ``completed`` with enrichment ``skipped`` and ``enrichment_note`` saying why.
    """
    locked = conn.execute(
        "SELECT parsed_at FROM movies.sessions WHERE id = %s AND status = 'processing' FOR UPDATE", (session_id,)
    ).fetchone()
    if locked is None or locked["parsed_at"] is not None:
        return None
    # The commit does not wait for its WAL flush (the COPY's megabytes): a re-runnable import.
    # A PostgreSQL crash in the fraction of a second after it could lose this transaction,
    # never corrupt anything: the session is then left unparsed (it never shows half an
    # export) and the person uploads the export again.
    conn.execute("SET LOCAL synchronous_commit = off")
    _copy_export(conn, session_id, export, enrich)
    return conn.execute(
        f"""
        UPDATE movies.sessions
           SET parsed_at = now(), updated_at = now(), total_movies = %(films)s, total_viewings = %(viewings)s,
               summary = %(summary)s::jsonb,
               status = CASE WHEN %(enrich)s THEN 'enriching' ELSE 'completed' END,
               stage = CASE WHEN %(enrich)s THEN 'enriching' ELSE 'done' END,
               enrichment = CASE WHEN %(enrich)s THEN 'running' ELSE 'skipped' END,
               enrichment_note = %(note)s,
               completed_at = CASE WHEN %(enrich)s THEN NULL ELSE now() END
         WHERE id = %(id)s
        RETURNING {SESSION_COLUMNS}
        """,
        {"id": session_id, "films": len(export.films), "viewings": len(export.viewings),
         "summary": json.dumps(export.summary(), default=str), "enrich": enrich, "note": enrichment_note},
    ).fetchone()


def pg_array(items: list[str]) -> str:
    """A ``text[]`` literal (``{"a","b"}``) written directly: COPY's text format takes it as the
    array, and psycopg's per-element list dumping is the slowest part of a bulk load otherwise."""
    if not items:
        return "{}"
    plain = "".join(items)
    if "\\" in plain or '"' in plain:
        items = [i.replace("\\", "\\\\").replace('"', '\\"') for i in items]
    return '{"' + '","'.join(items) + '"}'


def _copy(conn: Any, table: str, rows: Any) -> None:
    columns = sql.SQL(", ").join(map(sql.Identifier, COPY_COLUMNS[table]))
    statement = sql.SQL("COPY movies.{} ({}) FROM STDIN").format(sql.Identifier(table), columns)
    with conn.cursor() as cur, cur.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _copy_export(conn: Any, session_id: UUID, export: Export, enrich: bool) -> None:
    # ids go as text (the export's are hex already): psycopg dumps str in C, a UUID object in Python
    session = str(session_id)
    film_status = "pending" if enrich else "skipped"
    _copy(conn, "films", (
        (f.id, session, f.position, f.name, f.year, f.uri, f.rating, f.rating_source, f.marked_watched_on,
         f.first_watched_on, f.last_watched_on, len(f.viewings), f.rewatch_count, f.review_count, f.liked,
         pg_array(f.tags), pg_array(sorted(f.sources)), f.identity_note, film_status)
        for f in export.films
    ))
    _copy(conn, "viewings", (
        (v.id, session, v.film_id, i, v.watched_on, v.logged_on, v.rating, v.rewatch_flag, v.is_rewatch, pg_array(v.tags),
         v.uri, v.source)
        for i, v in enumerate(export.viewings)
    ))
    for table in ("ratings", "reviews", "watchlist", "likes", "lists", "list_entries"):
        rows = getattr(export, table)
        if rows:
            _copy(conn, table, ((session, *row) for row in rows))


def _delete_bulk_rows(conn: Any, session_ids: list[UUID]) -> None:
    # films and viewings carry no foreign key (migration 0002); every other table cascades
    conn.execute("DELETE FROM movies.viewings WHERE session_id = ANY(%s)", (session_ids,))
    conn.execute("DELETE FROM movies.films WHERE session_id = ANY(%s)", (session_ids,))


def delete_session(conn: psycopg.Connection, session_id: UUID) -> dict[str, Any] | None:
    """Delete a session and every row under it, in the caller's transaction. Returns the deleted row (its
    upload key), or None when there was no such session."""
    row = conn.execute(
        "DELETE FROM movies.sessions WHERE id = %s RETURNING id, upload_key", (session_id,)
    ).fetchone()
    if row is not None:
        _delete_bulk_rows(conn, [session_id])
    return row


def delete_expired(conn: psycopg.Connection, limit: int) -> list[dict[str, Any]]:
    """Delete up to ``limit`` expired sessions (oldest first) with everything under them."""
    rows = conn.execute(
        """
        DELETE FROM movies.sessions WHERE id IN (
            SELECT id FROM movies.sessions WHERE expires_at <= now() ORDER BY expires_at LIMIT %s FOR UPDATE SKIP LOCKED)
        RETURNING id, upload_key
        """,
        (limit,),
    ).fetchall()
    if rows:
        _delete_bulk_rows(conn, [r["id"] for r in rows])
    return rows


# ---------------------------------------------------------------- films
def list_films(conn: psycopg.Connection, session_id: UUID, after_position: int | None, limit: int) -> list[dict[str, Any]]:
    return conn.execute(
        f"""
        SELECT {FILM_COLUMNS} FROM movies.films
         WHERE session_id = %s AND position > %s
         ORDER BY position LIMIT %s
        """,
        (session_id, -1 if after_position is None else after_position, limit + 1),
    ).fetchall()


def film_ids_in_order(conn: psycopg.Connection, session_id: UUID) -> list[UUID]:
    return [r["id"] for r in conn.execute(
        "SELECT id FROM movies.films WHERE session_id = %s AND enrichment_status = 'pending' ORDER BY position", (session_id,)
    ).fetchall()]


def films_to_enrich(conn: psycopg.Connection, session_id: UUID, film_ids: list[UUID]) -> list[dict[str, Any]]:
    """The films of the message still to do (pending, or failed before and redriven; never those
    given up when the session stalled), with how many films of the session share their exact
    title and year."""
    return conn.execute(
        f"""
        SELECT f.id, f.name, f.year, f.enrichment_status, f.enrichment_attempts,
               (SELECT count(*) FROM movies.films o WHERE o.session_id = f.session_id AND o.name = f.name
                   AND o.year IS NOT DISTINCT FROM f.year) AS same_title
          FROM movies.films f JOIN movies.sessions s ON s.id = f.session_id
         WHERE f.session_id = %s AND f.id = ANY(%s) AND f.{_ENRICHABLE}
           AND s.status IN ('enriching', 'completed') AND s.expires_at > now()
         ORDER BY f.position
        """,
        (session_id, film_ids),
    ).fetchall()


def save_enrichment(conn: psycopg.Connection, session_id: UUID, film_id: UUID, values: dict[str, Any]) -> None:
    """Save a film's TMDB data; a film given up meanwhile (its session stalled) is left as it is."""
    columns = list(values)
    assignments = sql.SQL(", ").join(sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder(c)) for c in columns)
    conn.execute(
        sql.SQL(
            "UPDATE movies.films SET {}, enriched_at = now(), enrichment_attempts = enrichment_attempts + 1 "
            "WHERE id = %(film_id)s AND session_id = %(session_id)s AND " + _ENRICHABLE
        ).format(assignments),
        values | {"film_id": film_id, "session_id": session_id},
    )


def note_enrichment_error(conn: psycopg.Connection,
                          session_id: UUID, film_ids: list[UUID], error: str, *, reason: str, final: bool) -> None:
    """Count a failed attempt with its ``reason`` code (e.g. ``tmdb_unreachable``); on the final one
    the films become ``failed`` (progress counts them) and ``enriched_at`` records when they were
    settled. Films given up meanwhile are left alone."""
    conn.execute(
        f"""
        UPDATE movies.films
           SET enrichment_attempts = enrichment_attempts + 1, enrichment_error = %s, enrichment_reason = %s,
               enrichment_status = CASE WHEN %s THEN 'failed' ELSE enrichment_status END,
               enriched_at = CASE WHEN %s THEN now() ELSE enriched_at END
         WHERE session_id = %s AND id = ANY(%s) AND {_ENRICHABLE}
        """,
        (error[:500], reason[:100], final, final, session_id, film_ids),
    )


def finish_enrichment_if_done(conn: psycopg.Connection, session_id: UUID) -> bool:
    """Complete an enriching session once none of its films is pending; True if it completed now."""
    cur = conn.execute(
        """
        UPDATE movies.sessions
           SET status = 'completed', stage = 'done', enrichment = 'done', completed_at = now(), updated_at = now()
         WHERE id = %s AND status = 'enriching'
           AND NOT EXISTS (SELECT 1 FROM movies.films WHERE session_id = %s AND enrichment_status = 'pending')
        """,
        (session_id, session_id),
    )
    return cur.rowcount == 1


def time_out_enrichment(conn: psycopg.Connection,
                        session_id: UUID | None, *, stall_seconds: int, limit: int = 1) -> list[dict[str, Any]]:
    """Finish ``enriching`` sessions whose enrichment made no progress for ``stall_seconds``: their
    pending films become ``failed`` (``enrichment_error`` = :data:`ENRICHMENT_TIMED_OUT`) and the
    session ``completed``, in one statement. Returns the finished sessions (with ``timed_out``, the
    films given up); none when no session (or not ``session_id``) is stalled any more.

    Progress is the latest of: parsed, enrichment queued, a film of the session enriched or given
    up (``films.enriched_at``). The condition is evaluated under the session's row lock (SKIP
    LOCKED: a session being finished by a delivery right now is left to it), and a film saved by a
    delivery racing this statement keeps its data (only films still pending are given up).
    """
    by_id = sql.SQL("AND s.id = %(id)s") if session_id is not None else sql.SQL("")
    return conn.execute(
        sql.SQL(
            """
            WITH stalled AS (
                SELECT s.id AS stalled_id FROM movies.sessions s
                 WHERE s.status = 'enriching' AND s.expires_at > now() {by_id}
                   AND greatest(s.parsed_at, s.enqueued_at, s.updated_at) < now() - make_interval(secs => %(stall)s)
                   AND NOT EXISTS (SELECT 1 FROM movies.films f WHERE f.session_id = s.id
                                      AND f.enriched_at >= now() - make_interval(secs => %(stall)s))
                 ORDER BY s.updated_at LIMIT %(limit)s
                 FOR UPDATE OF s SKIP LOCKED
            ), given_up AS (
                UPDATE movies.films f
                   SET enrichment_status = 'failed', enrichment_error = %(code)s, enrichment_reason = %(code)s,
                       enriched_at = now()
                  FROM stalled
                 WHERE f.session_id = stalled.stalled_id AND f.enrichment_status = 'pending'
                RETURNING f.session_id AS given_up_session
            ), counted AS (
                SELECT stalled_id, (SELECT count(*) FROM given_up WHERE given_up_session = stalled_id) AS timed_out
                  FROM stalled
            )
            UPDATE movies.sessions
               SET status = 'completed', stage = 'done', enrichment = 'done', completed_at = now(), updated_at = now(),
                   enrichment_note = format('%%s: %%s films got no TMDB data (enrichment made no progress for %%s minutes)',
                                            %(code)s::text, counted.timed_out, %(stall)s / 60)
              FROM counted
             WHERE id = counted.stalled_id
            RETURNING {columns}, counted.timed_out
            """
        ).format(by_id=by_id, columns=sql.SQL(SESSION_COLUMNS)),
        {"id": session_id, "stall": stall_seconds, "limit": limit, "code": ENRICHMENT_TIMED_OUT},
    ).fetchall()


def time_out_parse(conn: psycopg.Connection,
                   session_id: UUID | None, *, stall_seconds: int, lease_seconds: int, presign_seconds: int,
                   limit: int = 1) -> list[dict[str, Any]]:
    """Fail ``processing`` sessions that were never parsed and can no longer be: claimed at least
    once, the last claim's lease ran out more than ``stall_seconds`` ago (``parse_timed_out``); or
    never claimed, ``stall_seconds`` after the presigned POST expired (``upload_not_received``).
    Returns the failed sessions (their ``upload_key`` to delete); none when there is no such
    session (or ``session_id`` is not one any more).

    The last claim is ``updated_at`` (``claim_parse`` sets it, ``release_parse`` clears only the
    lease). The row is locked (SKIP LOCKED) and checked under the lock, so a parse storing right
    now (``store_export`` locks the row) wins, and ``claim_parse`` never claims a failed session.
    """
    by_id = sql.SQL("AND id = %(id)s") if session_id is not None else sql.SQL("")
    return conn.execute(
        sql.SQL(
            """
            UPDATE movies.sessions
               SET status = 'failed', stage = 'failed', completed_at = now(), updated_at = now(),
                   failure_code = CASE WHEN parse_attempts > 0 THEN 'parse_timed_out' ELSE 'upload_not_received' END,
                   failure_reason = CASE WHEN parse_attempts > 0
                       THEN format('the export could not be processed in time (%%s attempts); upload it again', parse_attempts)
                       ELSE 'no export arrived before the upload URL expired (or it was never picked up); upload it again' END
             WHERE id IN (
                SELECT id FROM movies.sessions
                 WHERE status = 'processing' AND parsed_at IS NULL AND expires_at > now() {by_id}
                   AND CASE WHEN parse_attempts > 0
                            THEN greatest(updated_at, parse_claimed_at) < now() - make_interval(secs => %(lease)s + %(stall)s)
                            ELSE created_at < now() - make_interval(secs => %(presign)s + %(stall)s) END
                 ORDER BY updated_at LIMIT %(limit)s
                 FOR UPDATE SKIP LOCKED)
            RETURNING {columns}
            """
        ).format(by_id=by_id, columns=sql.SQL(SESSION_COLUMNS)),
        {"id": session_id, "stall": stall_seconds, "lease": lease_seconds, "presign": presign_seconds, "limit": limit},
    ).fetchall()


def enrichment_reasons(conn: psycopg.Connection, session_id: UUID) -> dict[str, int]:
    """How many films of the session got no TMDB data, per reason code (films not ``matched``
    and not ``pending``; a failed attempt that a later delivery may still redo counts too)."""
    rows = conn.execute(
        "SELECT enrichment_reason AS reason, count(*) AS n FROM movies.films "
        "WHERE session_id = %s AND enrichment_reason IS NOT NULL AND enrichment_status <> 'matched' GROUP BY 1 ORDER BY 1",
        (session_id,),
    ).fetchall()
    return {r["reason"]: r["n"] for r in rows}


def enrichment_counts(conn: psycopg.Connection, session_id: UUID) -> dict[str, int]:
    rows = conn.execute(
        "SELECT enrichment_status AS status, count(*) AS n FROM movies.films WHERE session_id = %s GROUP BY 1", (session_id,)
    ).fetchall()
    return {r["status"]: r["n"] for r in rows}


# ---------------------------------------------------------------- statistics
def stats(conn: psycopg.Connection, session_id: UUID) -> dict[str, Any]:
    """Raw figures for the statistics (see ``domain.stats.shape``)."""
    p = {"s": session_id}
    overview = conn.execute(
        """
        SELECT (SELECT count(*) FROM movies.films WHERE session_id = %(s)s) AS films,
               (SELECT count(*) FROM movies.viewings WHERE session_id = %(s)s) AS viewings,
               (SELECT count(*) FROM movies.viewings WHERE session_id = %(s)s AND is_rewatch) AS rewatches,
               (SELECT count(*) FROM movies.viewings WHERE session_id = %(s)s AND rewatch_flag) AS rewatches_flagged,
               (SELECT count(*) FROM movies.films WHERE session_id = %(s)s AND rewatch_count > 0) AS films_rewatched,
               (SELECT count(*) FROM movies.films WHERE session_id = %(s)s AND rating IS NOT NULL) AS rated_films,
               (SELECT avg(rating)::float8 FROM movies.films WHERE session_id = %(s)s) AS average_rating,
               (SELECT count(*) FROM movies.films WHERE session_id = %(s)s AND viewing_count = 0) AS undated_films,
               (SELECT count(*) FROM movies.reviews WHERE session_id = %(s)s) AS reviews,
               (SELECT count(*) FROM movies.watchlist WHERE session_id = %(s)s) AS watchlist,
               (SELECT count(*) FROM movies.likes WHERE session_id = %(s)s) AS likes,
               (SELECT count(*) FROM movies.lists WHERE session_id = %(s)s) AS lists,
               (SELECT min(watched_on) FROM movies.viewings WHERE session_id = %(s)s) AS first_viewing,
               (SELECT max(watched_on) FROM movies.viewings WHERE session_id = %(s)s) AS last_viewing,
               (SELECT count(*) FROM movies.films WHERE session_id = %(s)s AND enrichment_status = 'matched') AS enriched_films,
               (SELECT sum(f.runtime_minutes) FROM movies.viewings v JOIN movies.films f ON f.id = v.film_id
                 WHERE v.session_id = %(s)s AND f.session_id = %(s)s) AS minutes
        """,
        p,
    ).fetchone()
    per_year = conn.execute(
        """
        SELECT extract(year FROM v.watched_on)::int AS year, count(*) AS viewings, count(DISTINCT v.film_id) AS films,
               count(*) FILTER (WHERE v.is_rewatch) AS rewatches,
               sum(f.runtime_minutes) AS minutes, count(f.runtime_minutes) AS viewings_with_runtime
          FROM movies.viewings v JOIN movies.films f ON f.id = v.film_id AND f.session_id = v.session_id
         WHERE v.session_id = %(s)s AND v.watched_on IS NOT NULL
         GROUP BY 1 ORDER BY 1
        """,
        p,
    ).fetchall()
    decades = conn.execute(
        """
        SELECT (year / 10) * 10 AS decade, count(*) AS films, avg(rating)::float8 AS average_rating
          FROM movies.films WHERE session_id = %(s)s AND year IS NOT NULL GROUP BY 1 ORDER BY 1
        """,
        p,
    ).fetchall()
    no_year = conn.execute("SELECT count(*) AS n FROM movies.films WHERE session_id = %(s)s AND year IS NULL", p).fetchone()["n"]
    ratings = conn.execute(
        "SELECT rating::float8 AS rating, count(*) AS films FROM movies.films WHERE session_id = %(s)s AND rating IS NOT NULL "
        "GROUP BY 1 ORDER BY 1",
        p,
    ).fetchall()
    most_rewatched = conn.execute(
        """
        SELECT id, name, year, viewing_count, rewatch_count FROM movies.films
         WHERE session_id = %(s)s AND rewatch_count > 0 ORDER BY viewing_count DESC, rewatch_count DESC, position LIMIT 10
        """,
        p,
    ).fetchall()
    tags = conn.execute(
        """
        SELECT tag, count(*) AS uses FROM movies.viewings, unnest(tags) AS tag
         WHERE session_id = %(s)s GROUP BY tag ORDER BY uses DESC, tag LIMIT 25
        """,
        p,
    ).fetchall()

    def top(column: str, limit: int = 20) -> list[dict[str, Any]]:
        return conn.execute(
            sql.SQL(
                "SELECT item AS name, count(*) AS films, avg(rating)::float8 AS average_rating "
                "FROM movies.films, unnest({}) AS item WHERE session_id = %(s)s AND enrichment_status = 'matched' "
                "GROUP BY item ORDER BY films DESC, item LIMIT %(limit)s"
            ).format(sql.Identifier(column)),
            p | {"limit": limit},
        ).fetchall()

    return {
        "overview": overview, "per_year": per_year, "decades": decades, "no_year": no_year, "ratings": ratings,
        "most_rewatched": most_rewatched, "tags": tags,
        "genres": top("genres"), "directors": top("directors"), "countries": top("countries"),
    }


def skip_enrichment(conn: psycopg.Connection, session_id: UUID, note: str) -> None:
    """Give up enriching a session: pending films become ``skipped`` and the session completes."""
    conn.execute(
        "UPDATE movies.films SET enrichment_status = 'skipped', enrichment_reason = 'enrichment_not_queued' "
        "WHERE session_id = %s AND enrichment_status = 'pending'",
        (session_id,),
    )
    conn.execute(
        """
        UPDATE movies.sessions
           SET status = 'completed', stage = 'done', enrichment = 'skipped', enrichment_note = %s,
               completed_at = now(), updated_at = now()
         WHERE id = %s AND status = 'enriching'
        """,
        (note, session_id),
    )
