"""SQL of the music product (psycopg 3, hand-written). The only module here that talks to PostgreSQL.

Authorization lives in the queries: a manager's player queries carry ``manager_id = <caller>``
unless the caller is an admin; a player's queries carry its own id from the authorizer; a
listener's session and vote queries carry the caller's user id. Rows outside that scope are simply
not found (ARCHITECTURE.md, "Platform conventions").

Vectors cross the boundary as ``real[]`` (read) and text literals cast to ``vector`` (written), so
no numpy is needed.

Every function takes the connection as its first argument: the service owns the connections and
transactions (``backlot.db``) and passes them in; nothing here opens one
(``tests/contract/test_transactions.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql



def vector_literal(values: list[float]) -> str:
    """``[a,b,c,d,e]``, pgvector's text form (``repr`` keeps every float's digits)."""
    return "[" + ",".join(repr(float(v)) for v in values) + "]"


SONG_COLUMNS = (
    "id, title, artist, type, status, reason, reason_code, file_key, upload_key, declared_type, mime_type, "
    "file_size_bytes, embedding::real[] AS embedding, duration, bpm, source, external_id, created_by, "
    "processed_at, created_at, updated_at"
)
PLAYER_COLUMNS = (
    "p.id, p.name, p.status, p.current_song_id, p.last_poll, p.manager_id, p.library_size, p.token_hint, "
    "p.token_rotated_at, p.revoked_at, p.created_by, p.created_at, p.venue_code"
)
SESSION_COLUMNS = "id, user_id, player_id, checked_in_at, expires_at, checked_out_at, status"
VISIBLE_PLAYER = "(%(is_admin)s OR p.manager_id = %(user_id)s)"


# ---------------------------------------------------------------- profiles and roles
def ensure_profile(conn: psycopg.Connection, user_id: UUID, email: str | None) -> None:
    """Create the caller's profile (and platform user) if missing; keep the e-mail current."""
    conn.execute(
        """
        INSERT INTO music.profiles (id, email) VALUES (%s, %s)
        ON CONFLICT (id) DO UPDATE SET email = COALESCE(EXCLUDED.email, music.profiles.email)
         WHERE music.profiles.email IS DISTINCT FROM EXCLUDED.email AND EXCLUDED.email IS NOT NULL
        """,
        (user_id, email),
    )


def get_profile(conn: psycopg.Connection, user_id: UUID) -> dict[str, Any] | None:
    """The profile row (``preference_vector`` as a list of 5 floats), or None."""
    return conn.execute(
        "SELECT id, email, name, display_name, preference_vector::real[] AS preference_vector, votes_count, created_at "
        "FROM music.profiles WHERE id = %s",
        (user_id,),
    ).fetchone()


def role_of(conn: psycopg.Connection, user_id: UUID) -> str | None:
    """``admin``, ``manager`` or None (the ``music.roles`` row; groups are the service's business)."""
    row = conn.execute("SELECT role FROM music.roles WHERE user_id = %s", (user_id,)).fetchone()
    return row["role"] if row else None


def set_role(conn: psycopg.Connection, user_id: UUID, role: str, granted_by: UUID) -> dict[str, Any]:
    """Give ``user_id`` its one role (replacing any other), creating its user and profile rows."""
    conn.execute("INSERT INTO platform.users (id) VALUES (%s) ON CONFLICT DO NOTHING", (user_id,))
    conn.execute("INSERT INTO music.profiles (id) VALUES (%s) ON CONFLICT DO NOTHING", (user_id,))
    return conn.execute(
        """
        INSERT INTO music.roles (user_id, role, granted_by) VALUES (%s, %s, %s)
        ON CONFLICT (user_id) DO UPDATE SET role = EXCLUDED.role, granted_by = EXCLUDED.granted_by, granted_at = now()
        RETURNING user_id, role, granted_by, granted_at
        """,
        (user_id, role, granted_by),
    ).fetchone()


def delete_role(conn: psycopg.Connection, user_id: UUID) -> bool:
    """Remove the user's role; False when it had none."""
    return conn.execute("DELETE FROM music.roles WHERE user_id = %s", (user_id,)).rowcount == 1


def list_roles(conn: psycopg.Connection, after: tuple[datetime, UUID] | None, limit: int) -> list[dict[str, Any]]:
    """Role rows with the user's e-mail, oldest grant first, keyset-paged on ``(granted_at, id)``;
    ``limit + 1`` rows tell if more follow."""
    params: dict[str, Any] = {"limit": limit + 1}
    extra = ""
    if after:
        extra = "WHERE (r.granted_at, r.id) > (%(after_at)s, %(after_id)s)"
        params["after_at"], params["after_id"] = after
    return conn.execute(
        f"""
        SELECT r.id, r.user_id, r.role, r.granted_by, r.granted_at, p.email
          FROM music.roles r JOIN music.profiles p ON p.id = r.user_id {extra}
         ORDER BY r.granted_at, r.id LIMIT %(limit)s
        """,
        params,
    ).fetchall()


# ---------------------------------------------------------------- songs
def insert_song(conn: psycopg.Connection, values: dict[str, Any]) -> dict[str, Any]:
    """Insert a song from column values (``embedding`` a list of 5 floats); returns the row."""
    values = dict(values)
    columns = list(values)
    placeholders = [sql.SQL("{}::vector").format(sql.Placeholder(c)) if c == "embedding" else sql.Placeholder(c) for c in columns]
    if values.get("embedding") is not None:
        values["embedding"] = vector_literal(values["embedding"])
    query = sql.SQL("INSERT INTO music.songs ({}) VALUES ({}) RETURNING " + SONG_COLUMNS).format(
        sql.SQL(", ").join(map(sql.Identifier, columns)), sql.SQL(", ").join(placeholders)
    )
    return conn.execute(query, values).fetchone()


def get_song(conn: psycopg.Connection, song_id: UUID) -> dict[str, Any] | None:
    """One song row (``embedding`` as a list), or None."""
    return conn.execute(f"SELECT {SONG_COLUMNS} FROM music.songs WHERE id = %s", (song_id,)).fetchone()


def update_song(conn: psycopg.Connection, song_id: UUID, changes: dict[str, Any]) -> dict[str, Any] | None:
    """Apply ``changes`` (column -> value) to a song; returns the row, or None if unknown."""
    changes = dict(changes)
    parts = []
    for key in changes:
        cast = "::vector" if key == "embedding" else ""
        parts.append(sql.SQL("{} = {}" + cast).format(sql.Identifier(key), sql.Placeholder("set_" + key)))
    if changes.get("embedding") is not None:
        changes["embedding"] = vector_literal(changes["embedding"])
    query = sql.SQL("UPDATE music.songs SET {}, updated_at = now() WHERE id = %(id)s RETURNING " + SONG_COLUMNS).format(
        sql.SQL(", ").join(parts)
    )
    return conn.execute(query, {"set_" + k: v for k, v in changes.items()} | {"id": song_id}).fetchone()


def list_songs(conn: psycopg.Connection,
               *, ready_only: bool, status: str | None, after: tuple[datetime, UUID] | None, limit: int) -> list[dict[str, Any]]:
    """Songs newest first, keyset-paged on ``(created_at, id)``; ``limit + 1`` rows tell if more follow."""
    where, params = ["TRUE"], {"limit": limit + 1}
    if ready_only:
        where.append("status = 'ready'")
    if status:
        where.append("status = %(status)s")
        params["status"] = status
    if after:
        where.append("(created_at, id) < (%(after_at)s, %(after_id)s)")
        params["after_at"], params["after_id"] = after
    return conn.execute(
        f"SELECT {SONG_COLUMNS} FROM music.songs WHERE {' AND '.join(where)} ORDER BY created_at DESC, id DESC LIMIT %(limit)s",
        params,
    ).fetchall()


def start_upload(conn: psycopg.Connection, song_id: UUID, key: str, declared_type: str) -> dict[str, Any] | None:
    """Point the song at a new upload key (status ``processing``); None if it is ready already."""
    return conn.execute(
        f"""
        UPDATE music.songs SET status = 'processing', upload_key = %s, declared_type = %s, claimed_at = NULL,
               reason = NULL, reason_code = NULL, updated_at = now()
         WHERE id = %s AND status <> 'ready'
        RETURNING {SONG_COLUMNS}
        """,
        (key, declared_type, song_id),
    ).fetchone()


def claim_upload(conn: psycopg.Connection, key: str, lease_seconds: int) -> dict[str, Any] | None:
    """Claim the song waiting for this upload; None when it is done, unknown, or claimed by another
    delivery whose lease has not run out (a duplicate S3 event does no work)."""
    return conn.execute(
        f"""
        UPDATE music.songs SET claimed_at = now()
         WHERE upload_key = %s AND status = 'processing'
           AND (claimed_at IS NULL OR claimed_at < now() - make_interval(secs => %s))
        RETURNING {SONG_COLUMNS}
        """,
        (key, lease_seconds),
    ).fetchone()


def release_upload(conn: psycopg.Connection, song_id: UUID) -> None:
    """Give up the processing lease (a transient failure), so a redelivery can claim it."""
    conn.execute("UPDATE music.songs SET claimed_at = NULL WHERE id = %s AND status = 'processing'", (song_id,))


def finish_upload(conn: psycopg.Connection, song_id: UUID, key: str, values: dict[str, Any]) -> bool:
    """Record the outcome of processing ``key`` (only if it is still the song's current upload)."""
    assignments = sql.SQL(", ").join(sql.SQL("{} = {}").format(sql.Identifier(k), sql.Placeholder(k)) for k in values)
    cur = conn.execute(
        sql.SQL(
            "UPDATE music.songs SET {}, processed_at = now(), updated_at = now() "
            "WHERE id = %(song_id)s AND upload_key = %(key)s AND status = 'processing'"
        ).format(assignments),
        values | {"song_id": song_id, "key": key},
    )
    return cur.rowcount == 1


def upload_in_use(conn: psycopg.Connection, key: str) -> bool:
    """Whether a song still waits for (``processing``) or plays (legacy ``file_key``) the object at ``key``."""
    return conn.execute(
        "SELECT 1 FROM music.songs WHERE (upload_key = %(k)s AND status = 'processing') OR file_key = %(k)s LIMIT 1",
        {"k": key},
    ).fetchone() is not None


#: The reason codes of a song settled by :func:`settle_stalled_uploads`.
UPLOAD_NOT_RECEIVED = "upload_not_received"
PROCESSING_TIMED_OUT = "processing_timed_out"


def settle_stalled_uploads(conn: psycopg.Connection,
                           song_id: UUID | None, *, wait_seconds: int, stall_seconds: int, limit: int = 500) -> list[dict[str, Any]]:
    """Reject the songs whose upload never came or whose processing died (issue 9 item 5).

    * ``processing``, never claimed, asked for more than ``wait_seconds`` ago (the presigned
      POST's lifetime + the processing lease: S3 refuses the form after its lifetime, and any
      object that did land has been claimed by then): ``rejected``, ``upload_not_received``.
    * ``processing``, claimed more than ``stall_seconds`` ago (every delivery the queue can still
      make is over): ``rejected``, ``processing_timed_out``.

    One conditional UPDATE (``song_id`` None: every such song, at most ``limit``), so concurrent
    readers and the sweep settle a song once. Returns the settled rows. The manager may ask for a
    new upload at once (``start_upload`` takes any song that is not ready); a late object for the
    old key is deleted by the processor (nobody waits for it).
    """
    return conn.execute(
        f"""
        UPDATE music.songs SET status = 'rejected', claimed_at = NULL, updated_at = now(),
               reason_code = CASE WHEN claimed_at IS NULL THEN %(not_received)s ELSE %(timed_out)s END,
               reason = CASE WHEN claimed_at IS NULL
                             THEN 'No audio file arrived before the upload form expired; ask for a new upload.'
                             ELSE 'Processing the audio file did not finish; ask for a new upload.' END
         WHERE id IN (
               SELECT id FROM music.songs
                WHERE status = 'processing' AND (%(id)s::uuid IS NULL OR id = %(id)s::uuid)
                  AND ((claimed_at IS NULL AND updated_at < now() - make_interval(secs => %(wait)s))
                       OR claimed_at < now() - make_interval(secs => %(stall)s))
                LIMIT %(limit)s FOR UPDATE SKIP LOCKED)
           AND status = 'processing'
        RETURNING {SONG_COLUMNS}
        """,
        {"id": song_id, "wait": wait_seconds, "stall": stall_seconds, "limit": limit,
         "not_received": UPLOAD_NOT_RECEIVED, "timed_out": PROCESSING_TIMED_OUT},
    ).fetchall()


def upsert_imported(conn: psycopg.Connection, source: str, songs: list[dict[str, Any]], created_by: UUID) -> tuple[int, int]:
    """Insert or update songs by ``(source, external_id)`` in one statement (the rows travel as
    arrays and are unnested: one round trip for up to 10,000 rows); the audio's own duration and
    BPM (read from the file) are kept over the CSV's. ``external_id`` must be unique within
    ``songs`` (the parser guarantees it). Returns (created, updated)."""
    if not songs:
        return 0, 0
    row = conn.execute(
        """
        WITH up AS (
            INSERT INTO music.songs (title, artist, embedding, duration, bpm, source, external_id, created_by)
            SELECT t.title, t.artist, t.embedding::vector, t.duration, t.bpm, %(source)s, t.external_id, %(created_by)s
              FROM unnest(%(titles)s::text[], %(artists)s::text[], %(embeddings)s::text[], %(durations)s::integer[],
                          %(bpms)s::integer[], %(external_ids)s::text[])
                   AS t(title, artist, embedding, duration, bpm, external_id)
            ON CONFLICT (source, external_id) DO UPDATE
               SET title = EXCLUDED.title, artist = EXCLUDED.artist, embedding = EXCLUDED.embedding,
                   duration = CASE WHEN music.songs.status = 'ready' THEN music.songs.duration ELSE EXCLUDED.duration END,
                   bpm = COALESCE(music.songs.bpm, EXCLUDED.bpm), updated_at = now()
            RETURNING (xmax = 0) AS inserted
        )
        SELECT count(*) FILTER (WHERE inserted) AS created, count(*) FILTER (WHERE NOT inserted) AS updated FROM up
        """,
        {
            "source": source, "created_by": created_by,
            "titles": [s["title"] for s in songs], "artists": [s["artist"] for s in songs],
            "embeddings": [vector_literal(s["embedding"]) for s in songs],
            "durations": [s["duration"] for s in songs], "bpms": [s["bpm"] for s in songs],
            "external_ids": [s["external_id"] for s in songs],
        },
    ).fetchone()
    return row["created"], row["updated"]


# ---------------------------------------------------------------- players (managers' view)
def insert_player(conn: psycopg.Connection,
                  name: str, token_hash: bytes, token_hint: str, manager_id: UUID | None, created_by: UUID) -> dict[str, Any]:
    """Insert a player (the token's hash and hint only); returns the row."""
    return conn.execute(
        f"""
        INSERT INTO music.players AS p (name, token_hash, token_hint, manager_id, created_by)
        VALUES (%s, %s, %s, %s, %s) RETURNING {PLAYER_COLUMNS}
        """,
        (name, token_hash, token_hint, manager_id, created_by),
    ).fetchone()


def _player_view_sql(extra_where: str) -> str:
    return f"""
        SELECT {PLAYER_COLUMNS},
               (p.last_poll IS NOT NULL AND p.last_poll > now() - make_interval(secs => %(online_seconds)s)) AS online,
               s.title AS current_song_title, s.artist AS current_song_artist,
               music.plays_library_only(p.id) AS library_only,
               (SELECT count(*) FROM music.player_queue q WHERE q.player_id = p.id) AS queue_length,
               (SELECT count(*) FROM music.sessions se WHERE se.player_id = p.id AND se.status = 'active'
                   AND se.expires_at > now()) AS listeners
          FROM music.players p LEFT JOIN music.songs s ON s.id = p.current_song_id
         WHERE {VISIBLE_PLAYER} {extra_where}
    """


def get_player(conn: psycopg.Connection,
               player_id: UUID, user_id: UUID, is_admin: bool, online_seconds: int) -> dict[str, Any] | None:
    """The managers' view of one player (``online`` from the heartbeat, current song, queue length,
    listeners, ``library_only``: whether it plays only its library) if the caller may see it (admin,
    or its manager), else None."""
    return conn.execute(
        _player_view_sql("AND p.id = %(id)s"),
        {"id": player_id, "user_id": user_id, "is_admin": is_admin, "online_seconds": online_seconds},
    ).fetchone()


def list_players(conn: psycopg.Connection,
                 user_id: UUID, is_admin: bool, online_seconds: int, after: tuple[datetime, UUID] | None, limit: int) -> list[dict[str, Any]]:
    """The managers' view of the caller's players (all for an admin), newest first, keyset-paged."""
    params: dict[str, Any] = {"user_id": user_id, "is_admin": is_admin, "online_seconds": online_seconds, "limit": limit + 1}
    extra = ""
    if after:
        extra = "AND (p.created_at, p.id) < (%(after_at)s, %(after_id)s)"
        params["after_at"], params["after_id"] = after
    return conn.execute(
        _player_view_sql(extra) + " ORDER BY p.created_at DESC, p.id DESC LIMIT %(limit)s", params
    ).fetchall()


def update_player(conn: psycopg.Connection,
                  player_id: UUID, user_id: UUID, is_admin: bool, changes: dict[str, Any]) -> dict[str, Any] | None:
    """Apply ``changes`` to a player the caller may run; returns the row, or None."""
    assignments = sql.SQL(", ").join(sql.SQL("{} = {}").format(sql.Identifier(k), sql.Placeholder("set_" + k)) for k in changes)
    query = sql.SQL("UPDATE music.players AS p SET {} WHERE p.id = %(id)s AND " + VISIBLE_PLAYER + " RETURNING " + PLAYER_COLUMNS).format(assignments)
    params = {"set_" + k: v for k, v in changes.items()} | {"id": player_id, "user_id": user_id, "is_admin": is_admin}
    return conn.execute(query, params).fetchone()


def queue_entries(conn: psycopg.Connection, player_id: UUID, limit: int = 50) -> list[dict[str, Any]]:
    """A player's queue, head first: entry id, position, reason and the song's fields."""
    return conn.execute(
        """
        SELECT q.id AS queue_entry_id, q.position, q.reason, q.added_at, s.id AS song_id, s.title, s.artist, s.type,
               s.duration, s.bpm, s.file_key, s.mime_type
          FROM music.player_queue q JOIN music.songs s ON s.id = q.song_id
         WHERE q.player_id = %s ORDER BY q.position LIMIT %s
        """,
        (player_id, limit),
    ).fetchall()


def history(conn: psycopg.Connection, player_id: UUID, after: tuple[datetime, UUID] | None, limit: int) -> list[dict[str, Any]]:
    """A player's plays, newest first, keyset-paged on ``(played_at, id)``."""
    params: dict[str, Any] = {"player_id": player_id, "limit": limit + 1}
    extra = ""
    if after:
        extra = "AND (h.played_at, h.id) < (%(after_at)s, %(after_id)s)"
        params["after_at"], params["after_id"] = after
    return conn.execute(
        f"""
        SELECT h.id, h.song_id, h.played_at, h.queue_entry_id, s.title, s.artist
          FROM music.songs_playing h JOIN music.songs s ON s.id = h.song_id
         WHERE h.player_id = %(player_id)s {extra}
         ORDER BY h.played_at DESC, h.id DESC LIMIT %(limit)s
        """,
        params,
    ).fetchall()


def library(conn: psycopg.Connection, player_id: UUID, after: tuple[datetime, UUID] | None, limit: int) -> list[dict[str, Any]]:
    """A player's library, newest first, keyset-paged on ``(added_at, id)``."""
    params: dict[str, Any] = {"player_id": player_id, "limit": limit + 1}
    extra = ""
    if after:
        extra = "AND (l.added_at, l.id) < (%(after_at)s, %(after_id)s)"
        params["after_at"], params["after_id"] = after
    return conn.execute(
        f"""
        SELECT l.id, l.song_id, l.added_at, s.title, s.artist, s.status
          FROM music.player_library l JOIN music.songs s ON s.id = l.song_id
         WHERE l.player_id = %(player_id)s {extra}
         ORDER BY l.added_at DESC, l.id DESC LIMIT %(limit)s
        """,
        params,
    ).fetchall()


def existing_song_ids(conn: psycopg.Connection, song_ids: list[UUID]) -> set[UUID]:
    """Which of ``song_ids`` exist (one query for the whole list)."""
    rows = conn.execute("SELECT id FROM music.songs WHERE id = ANY(%s)", (song_ids,)).fetchall()
    return {r["id"] for r in rows}


def library_state(conn: psycopg.Connection, player_id: UUID) -> dict[str, Any]:
    """``{"library_size", "library_playable", "library_only"}``: how many songs the library holds,
    how many of them can play (ready, with an embedding), and whether the player plays only its
    library (``music.plays_library_only``: at least one playable library song)."""
    return conn.execute(
        """
        SELECT p.library_size,
               (SELECT count(*) FROM music.player_library l JOIN music.songs s ON s.id = l.song_id
                 WHERE l.player_id = p.id AND s.status = 'ready' AND s.unit IS NOT NULL) AS library_playable,
               music.plays_library_only(p.id) AS library_only
          FROM music.players p WHERE p.id = %s
        """,
        (player_id,),
    ).fetchone()


def add_to_library(conn: psycopg.Connection, player_id: UUID, song_ids: list[UUID]) -> int:
    """Add songs to a player's library (repeats ignored); returns how many were added."""
    cur = conn.execute(
        """
        INSERT INTO music.player_library (player_id, song_id)
        SELECT %s, s FROM unnest(%s::uuid[]) AS s ON CONFLICT (player_id, song_id) DO NOTHING
        """,
        (player_id, song_ids),
    )
    return cur.rowcount


def remove_from_library(conn: psycopg.Connection, player_id: UUID, song_id: UUID, keep: int) -> bool:
    """Remove a song from a library, and from the queue unless it is among the first ``keep``
    entries (what the player may already have been handed); False if absent."""
    removed = conn.execute(
        "DELETE FROM music.player_library WHERE player_id = %s AND song_id = %s", (player_id, song_id)
    ).rowcount == 1
    if removed:
        conn.execute(
            """
            DELETE FROM music.player_queue q WHERE q.player_id = %(p)s AND q.song_id = %(s)s
               AND q.id NOT IN (SELECT id FROM music.player_queue WHERE player_id = %(p)s ORDER BY position LIMIT %(keep)s)
            """,
            {"p": player_id, "s": song_id, "keep": keep},
        )
    return removed


# ---------------------------------------------------------------- player device
def player_for_token(conn: psycopg.Connection, token_hash: bytes) -> dict[str, Any] | None:
    """The player holding this token, if it is not revoked (the authorizer's one query)."""
    return conn.execute(
        "SELECT id, name FROM music.players WHERE token_hash = %s AND revoked_at IS NULL", (token_hash,)
    ).fetchone()


def heartbeat(conn: psycopg.Connection, player_id: UUID, status: str) -> dict[str, Any] | None:
    """Record a poll (``last_poll`` = now, ``status``); None when the player is revoked."""
    return conn.execute(
        f"UPDATE music.players AS p SET last_poll = now(), status = %s WHERE p.id = %s AND p.revoked_at IS NULL RETURNING {PLAYER_COLUMNS}",
        (status, player_id),
    ).fetchone()


def set_current_song(conn: psycopg.Connection, player_id: UUID, song_id: UUID | None) -> None:
    """Set what the player is playing now."""
    conn.execute(
        "UPDATE music.players SET current_song_id = %s WHERE id = %s AND current_song_id IS DISTINCT FROM %s",
        (song_id, player_id, song_id),
    )


def record_played(conn: psycopg.Connection,
                  player_id: UUID, song_id: UUID, queue_entry_id: UUID | None, played_at: datetime | None) -> dict[str, Any]:
    """Advance the queue after a play, in the caller's transaction, under the player's row lock.

    Returns ``{"status": "recorded" | "duplicate" | "not_in_queue" | "song_mismatch", "history": row}``.
    """
    conn.execute("SELECT 1 FROM music.players WHERE id = %s FOR UPDATE", (player_id,))
    if queue_entry_id is not None:
        done = conn.execute(
            "SELECT id, song_id, played_at, queue_entry_id FROM music.songs_playing WHERE queue_entry_id = %s AND player_id = %s",
            (queue_entry_id, player_id),
        ).fetchone()
        if done:
            return {"status": "duplicate", "history": done}
        entry = conn.execute(
            "SELECT id, song_id FROM music.player_queue WHERE id = %s AND player_id = %s", (queue_entry_id, player_id)
        ).fetchone()
    else:
        entry = conn.execute(
            "SELECT id, song_id FROM music.player_queue WHERE player_id = %s AND song_id = %s ORDER BY position LIMIT 1",
            (player_id, song_id),
        ).fetchone()
    if entry is None:
        return {"status": "not_in_queue", "history": None}
    if entry["song_id"] != song_id:
        return {"status": "song_mismatch", "history": None}
    conn.execute("DELETE FROM music.player_queue WHERE id = %s", (entry["id"],))
    row = conn.execute(
        """
        INSERT INTO music.songs_playing (player_id, song_id, queue_entry_id, played_at)
        VALUES (%s, %s, %s, COALESCE(%s, now())) RETURNING id, song_id, played_at, queue_entry_id
        """,
        (player_id, song_id, entry["id"], played_at),
    ).fetchone()
    conn.execute(
        """
        UPDATE music.players SET current_song_id =
               (SELECT song_id FROM music.player_queue WHERE player_id = %(p)s ORDER BY position LIMIT 1)
         WHERE id = %(p)s
        """,
        {"p": player_id},
    )
    return {"status": "recorded", "history": row}


# ---------------------------------------------------------------- queue refill
def refill_queue(conn: psycopg.Connection,
                 player_id: UUID, *, length: int, keep: int, replan: bool, window_minutes: int, wait: bool = True) -> dict[str, Any]:
    """Bring a player's queue to ``length`` entries with ``recommend_with_penalty``.

    Under the player's row lock, so two refills of one player run one after the other and the
    second finds the queue full (no duplicate entries; the unique constraints back this up). With
    ``replan`` the entries after the first ``keep`` are recomputed (the room's taste may have
    changed). ``wait=False`` skips a player another refill is holding (the scheduled job). A refill
    that is not skipped stamps ``players.refilled_at`` (the scheduled job's order).

    Returns ``{"added": n, "removed": n, "skipped": bool, "target_source": str | None}``.
    """
    lock = "FOR UPDATE" if wait else "FOR UPDATE SKIP LOCKED"
    player = conn.execute(
        f"SELECT id, revoked_at FROM music.players WHERE id = %s {lock}", (player_id,)
    ).fetchone()
    if player is None or player["revoked_at"] is not None:
        return {"added": 0, "removed": 0, "skipped": True, "target_source": None}
    conn.execute("UPDATE music.players SET refilled_at = now() WHERE id = %s", (player_id,))
    entries = conn.execute(
        "SELECT id, song_id FROM music.player_queue WHERE player_id = %s ORDER BY position", (player_id,)
    ).fetchall()
    removed = 0
    if replan and len(entries) > keep:
        stale = [e["id"] for e in entries[keep:]]
        removed = conn.execute("DELETE FROM music.player_queue WHERE id = ANY(%s)", (stale,)).rowcount
        entries = entries[:keep]
    need = length - len(entries)
    if need <= 0:
        return {"added": 0, "removed": removed, "skipped": False, "target_source": None}
    queued = {e["song_id"] for e in entries}
    picks = conn.execute(
        "SELECT song_id, distance, penalty, target_source FROM music.recommend_with_penalty(%s, NULL, %s, make_interval(mins => %s))",
        (player_id, need + len(queued), window_minutes),
    ).fetchall()
    picks = [p for p in picks if p["song_id"] not in queued][:need]
    source = picks[0]["target_source"] if picks else None
    if picks:
        start = conn.execute(
            "UPDATE music.players SET next_position = next_position + %s WHERE id = %s RETURNING next_position - %s AS start",
            (len(picks), player_id, len(picks)),
        ).fetchone()["start"]
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO music.player_queue (player_id, song_id, position, reason) VALUES (%s, %s, %s, %s)",
                [
                    (player_id, p["song_id"], start + i, f"{p['target_source']}; distance {p['distance']:.4f}"
                     + (f"; penalty {p['penalty']:.2f}" if p["penalty"] else ""))
                    for i, p in enumerate(picks)
                ],
            )
        conn.execute(
            """
            UPDATE music.players SET current_song_id =
                   (SELECT song_id FROM music.player_queue WHERE player_id = %(p)s ORDER BY position LIMIT 1)
             WHERE id = %(p)s AND current_song_id IS NULL
            """,
            {"p": player_id},
        )
    return {"added": len(picks), "removed": removed, "skipped": False, "target_source": source}


def queue_length(conn: psycopg.Connection, player_id: UUID) -> int:
    """How many entries a player's queue holds."""
    return conn.execute(
        "SELECT count(*) AS n FROM music.player_queue WHERE player_id = %s", (player_id,)
    ).fetchone()["n"]


def players_to_refill(conn: psycopg.Connection, seen_minutes: int, limit: int) -> list[UUID]:
    """The players the scheduled refill should re-plan, most in need first, at most ``limit``.

    Unrevoked players that polled within ``seen_minutes``; never refilled first, then the oldest
    refill (``refilled_at``) first, ties by id. One query per run: the players table is small (one
    row per venue device), so a scan and a top-``limit`` sort cost little, and ``refilled_at`` and
    ``last_poll`` stay unindexed so the every-poll and every-refill updates of a player stay HOT.
    """
    rows = conn.execute(
        """
        SELECT id FROM music.players
         WHERE revoked_at IS NULL AND last_poll > now() - make_interval(mins => %(seen)s)
         ORDER BY refilled_at NULLS FIRST, id
         LIMIT %(limit)s
        """,
        {"seen": seen_minutes, "limit": limit},
    ).fetchall()
    return [r["id"] for r in rows]


def stamp_refilled(conn: psycopg.Connection, player_id: UUID) -> None:
    """Set ``refilled_at`` to now without a refill (a refill that failed goes to the back of the
    scheduled job's order, so it cannot take every run's time)."""
    conn.execute("UPDATE music.players SET refilled_at = now() WHERE id = %s", (player_id,))


def expire_sessions(conn: psycopg.Connection) -> int:
    """Mark sessions past ``expires_at`` inactive; returns how many."""
    return conn.execute(
        "UPDATE music.sessions SET status = 'inactive' WHERE status = 'active' AND expires_at <= now()"
    ).rowcount


def mark_offline(conn: psycopg.Connection, online_seconds: int) -> int:
    """Mark players whose last poll is older than ``online_seconds`` offline; returns how many."""
    return conn.execute(
        """
        UPDATE music.players SET status = 'offline'
         WHERE status <> 'offline' AND (last_poll IS NULL OR last_poll <= now() - make_interval(secs => %s))
        """,
        (online_seconds,),
    ).rowcount


def recommend(conn: psycopg.Connection,
              player_id: UUID, target: list[float] | None, limit: int, window_minutes: int) -> list[dict[str, Any]]:
    """``recommend_with_penalty`` for a player (target None: its listeners, else the fallback), with titles."""
    return conn.execute(
        """
        SELECT r.song_id, r.distance, r.penalty, r.score, r.target_source, s.title, s.artist
          FROM music.recommend_with_penalty(%s, %s::vector, %s, make_interval(mins => %s)) r
          JOIN music.songs s ON s.id = r.song_id
        """,
        (player_id, vector_literal(target) if target else None, limit, window_minutes),
    ).fetchall()


def collective_vector(conn: psycopg.Connection, player_id: UUID) -> list[float] | None:
    """The player's collective vector (5 floats) or None (``music.collective_vector``)."""
    row = conn.execute("SELECT music.collective_vector(%s)::real[] AS v", (player_id,)).fetchone()
    return row["v"] if row else None


# ---------------------------------------------------------------- sessions and votes
def player_exists(conn: psycopg.Connection, player_id: UUID) -> bool:
    """Whether an unrevoked player has this id."""
    return conn.execute(
        "SELECT 1 FROM music.players WHERE id = %s AND revoked_at IS NULL", (player_id,)
    ).fetchone() is not None


def check_in(conn: psycopg.Connection, user_id: UUID, player_id: UUID, minutes: int) -> tuple[dict[str, Any], bool, UUID | None]:
    """Check in at a player: extend the active session there, or close the one elsewhere and open
    one here. Returns (session, created, player left behind).

    The check-ins of one user run one after the other, serialised on the user's profile row: with
    no session yet there is no session row to lock, so two simultaneous first check-ins would
    both insert one and the second would break the one-active-session index. The second now waits,
    then finds the first's session and extends it (``created`` False).
    """
    conn.execute("SELECT 1 FROM music.profiles WHERE id = %s FOR NO KEY UPDATE", (user_id,))
    current = conn.execute(
        f"SELECT {SESSION_COLUMNS} FROM music.sessions WHERE user_id = %s AND status = 'active' FOR UPDATE", (user_id,)
    ).fetchone()
    left = None
    if current and current["player_id"] == player_id and current["expires_at"] > conn.execute("SELECT now() AS n").fetchone()["n"]:
        row = conn.execute(
            f"UPDATE music.sessions SET expires_at = now() + make_interval(mins => %s) WHERE id = %s RETURNING {SESSION_COLUMNS}",
            (minutes, current["id"]),
        ).fetchone()
        return row, False, None
    if current:
        conn.execute(
            "UPDATE music.sessions SET status = 'inactive', checked_out_at = LEAST(now(), expires_at) WHERE id = %s",
            (current["id"],),
        )
        left = current["player_id"] if current["player_id"] != player_id else None
    row = conn.execute(
        f"""
        INSERT INTO music.sessions (user_id, player_id, expires_at)
        VALUES (%s, %s, now() + make_interval(mins => %s)) RETURNING {SESSION_COLUMNS}
        """,
        (user_id, player_id, minutes),
    ).fetchone()
    return row, True, left


def current_session(conn: psycopg.Connection, user_id: UUID) -> dict[str, Any] | None:
    """The caller's active session row, expired or not (callers check ``expires_at``)."""
    return conn.execute(
        f"SELECT {SESSION_COLUMNS}, expires_at <= now() AS expired FROM music.sessions WHERE user_id = %s AND status = 'active'",
        (user_id,),
    ).fetchone()


def check_out(conn: psycopg.Connection, user_id: UUID) -> dict[str, Any] | None:
    """End the caller's active session; returns it, or None when there was none."""
    return conn.execute(
        f"""
        UPDATE music.sessions SET status = 'inactive', checked_out_at = LEAST(now(), expires_at)
         WHERE user_id = %s AND status = 'active' RETURNING {SESSION_COLUMNS}
        """,
        (user_id,),
    ).fetchone()


def song_for_vote(conn: psycopg.Connection, song_id: UUID, player_id: UUID) -> dict[str, Any] | None:
    """The song with its embedding and whether the player may play it: any song, unless the player
    plays only its library (``music.plays_library_only``), then the library's."""
    return conn.execute(
        """
        SELECT s.id, s.status, s.embedding::real[] AS embedding,
               (NOT music.plays_library_only(p.id)
                OR EXISTS (SELECT 1 FROM music.player_library l WHERE l.player_id = p.id AND l.song_id = s.id)) AS playable_here
          FROM music.songs s, music.players p
         WHERE s.id = %s AND p.id = %s
        """,
        (song_id, player_id),
    ).fetchone()


def lock_preference(conn: psycopg.Connection, user_id: UUID) -> list[float]:
    """The caller's preference vector, row-locked for the rest of the transaction."""
    return conn.execute(
        "SELECT preference_vector::real[] AS v FROM music.profiles WHERE id = %s FOR UPDATE", (user_id,)
    ).fetchone()["v"]


def seconds_until_next_vote(conn: psycopg.Connection, user_id: UUID, interval_seconds: float) -> float:
    """How long the listener must wait before voting again (0: now). Read under the profile's row
    lock (:func:`lock_preference`), so two votes of one listener cannot both pass."""
    row = conn.execute(
        """
        SELECT extract(epoch FROM (max(vote_time) + make_interval(secs => %s) - clock_timestamp()))::float8 AS wait
          FROM music.votes WHERE user_id = %s
        """,
        (interval_seconds, user_id),
    ).fetchone()
    return max(0.0, row["wait"] or 0.0)


def claim_vote_replan(conn: psycopg.Connection, player_id: UUID, window_seconds: int) -> bool:
    """Take the player's vote re-plan slot: True at most once per ``window_seconds`` per player
    (one conditional UPDATE: concurrent votes cannot both win)."""
    return conn.execute(
        """
        UPDATE music.players SET vote_replanned_at = clock_timestamp()
         WHERE id = %s AND (vote_replanned_at IS NULL
                            OR vote_replanned_at <= clock_timestamp() - make_interval(secs => %s))
        """,
        (player_id, window_seconds),
    ).rowcount == 1


def player_by_venue_code(conn: psycopg.Connection, code: str, online_seconds: int) -> dict[str, Any] | None:
    """The listeners' view of the unrevoked player showing ``code``: id, name, whether it is
    online, and what it plays now (title and artist); None when no player has it."""
    return conn.execute(
        """
        SELECT p.id AS player_id, p.name, p.venue_code,
               (p.last_poll IS NOT NULL AND p.last_poll > now() - make_interval(secs => %s)) AS online,
               s.title AS now_playing_title, s.artist AS now_playing_artist
          FROM music.players p LEFT JOIN music.songs s ON s.id = p.current_song_id
         WHERE p.venue_code = %s AND p.revoked_at IS NULL
        """,
        (online_seconds, code),
    ).fetchone()


def new_venue_code(conn: psycopg.Connection, player_id: UUID, user_id: UUID, is_admin: bool) -> dict[str, Any] | None:
    """Give a player the caller runs a fresh venue code (the old one stops finding it)."""
    return conn.execute(
        f"UPDATE music.players AS p SET venue_code = music.new_venue_code() WHERE p.id = %(id)s AND {VISIBLE_PLAYER} "
        f"RETURNING {PLAYER_COLUMNS}",
        {"id": player_id, "user_id": user_id, "is_admin": is_admin},
    ).fetchone()


def save_vote(conn: psycopg.Connection,
              user_id: UUID, song_id: UUID, session: dict[str, Any], vote_value: int, preference: list[float]) -> dict[str, Any]:
    """Insert the vote and store the new preference vector (inside the caller's transaction)."""
    vote = conn.execute(
        """
        INSERT INTO music.votes (user_id, song_id, session_id, player_id, vote_value)
        VALUES (%s, %s, %s, %s, %s) RETURNING id, user_id, song_id, session_id, player_id, vote_value, vote_time
        """,
        (user_id, song_id, session["id"], session["player_id"], vote_value),
    ).fetchone()
    conn.execute(
        "UPDATE music.profiles SET preference_vector = %s::vector, votes_count = votes_count + 1, updated_at = now() WHERE id = %s",
        (vector_literal(preference), user_id),
    )
    return vote
