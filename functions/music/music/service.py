"""Music use cases: each function checks who may act, applies the rules, calls the repository.

Roles (document 002, ``roles``): ``admin`` or ``manager`` rows; a token whose ``cognito:groups``
holds ``admin`` also counts as admin. Managers see and run the players they manage; admins all.
Listeners are any signed-in user. Errors are domain errors (``backlot.errors``); a player outside
the caller's reach is reported as not found, so its existence does not leak.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

from backlot import db, storage
from backlot.auth import Principal
from backlot.errors import BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, TooManyRequests, Unauthorized
from backlot.observability import logger
from backlot.pagination import decode_cursor, page

from music import repository as repo
from music.domain import preference, tokens
from music.domain.features import FeatureCsvError, parse_features_csv
from music.schemas import CheckIn, LibraryAdd, PlayedReport, PlayerCreate, PlayerUpdate, SongCreate, SongUpdate, SongUploadRequest, VoteCreate
from music.settings import POLL_ENTRIES, get_settings

UPLOADS_PREFIX = "uploads/"
IMPORT_SOURCE = "features-csv"

_profiles_seen: set[UUID] = set()


# ---------------------------------------------------------------- who
def ensure_profile(who: Principal) -> None:
    """The caller's ``music.profiles`` row exists (once per user per execution environment)."""
    if who.user_id in _profiles_seen:
        return
    repo.ensure_profile(db.connection(), who.user_id, who.email)
    _profiles_seen.add(who.user_id)


def role(who: Principal) -> str | None:
    """``admin`` (group or row), ``manager`` or None."""
    if who.in_group("admin"):
        return "admin"
    return repo.role_of(db.connection(), who.user_id)


def _staff(who: Principal) -> bool:
    """Require admin or manager; returns whether the caller is an admin.

    Raises:
        Forbidden: (``staff_only``) a listener.
    """
    found = role(who)
    if found not in ("admin", "manager"):
        raise Forbidden("only managers and admins can do this", code="staff_only")
    return found == "admin"


def _admin(who: Principal) -> None:
    if role(who) != "admin":
        raise Forbidden("only admins can do this", code="admin_only")


def me(who: Principal) -> dict[str, Any]:
    """The caller: ``user_id``, ``email``, ``role``, ``groups``, ``preference_vector``, ``votes_count`` and the
    active ``session`` (or None)."""
    profile = repo.get_profile(db.connection(), who.user_id) or {}
    session = repo.current_session(db.connection(), who.user_id)
    return {
        "user_id": who.user_id,
        "email": who.email,
        "role": role(who),
        "groups": sorted(who.groups),
        "preference_vector": profile.get("preference_vector"),
        "votes_count": profile.get("votes_count", 0),
        "session": _session_view(session) if session and not session["expired"] else None,
    }


# ---------------------------------------------------------------- roles
def set_role(who: Principal, user_id: UUID, role_name: str) -> dict[str, Any]:
    """Give a user the ``admin`` or ``manager`` role (one per user). Raises Forbidden unless admin."""
    _admin(who)
    with db.transaction() as conn:
        return repo.set_role(conn, user_id, role_name, who.user_id)


def delete_role(who: Principal, user_id: UUID) -> None:
    """Take a user's role away. Raises Forbidden unless admin, NotFound when it has none."""
    _admin(who)
    if not repo.delete_role(db.connection(), user_id):
        raise NotFound("this user has no role", code="role_not_found")


def list_roles(who: Principal, cursor: str | None, limit: int) -> dict[str, Any]:
    """``{"roles", "next_cursor"}``, oldest grant first, keyset-paged. Raises Forbidden unless
    admin, BadRequest for a cursor this API did not make."""
    _admin(who)
    rows = repo.list_roles(db.connection(), decode_cursor(cursor), limit)
    items, next_cursor = page(rows, limit, "granted_at")
    return {"roles": items, "next_cursor": next_cursor}


# ---------------------------------------------------------------- songs
def song_view(row: dict[str, Any], *, staff: bool) -> dict[str, Any]:
    """The API shape of a song: the document's columns, ``status``/``reason``, and for managers and
    admins ``file_url`` (a presigned GET of the audio) once ready. Keys of the bucket stay inside."""
    settings = get_settings()
    hidden = {"file_key", "upload_key", "declared_type", "created_by", "source", "external_id"}
    out = {k: v for k, v in row.items() if k not in hidden}
    out["file_url"] = None
    if staff and row["status"] == "ready" and row["file_key"]:
        out["file_url"] = storage.presigned_get(settings.songs_bucket, row["file_key"], expires_in=settings.url_expiry_seconds)
    if staff:
        out["source"], out["external_id"] = row["source"], row["external_id"]
    return out


def create_song(who: Principal, body: SongCreate) -> dict[str, Any]:
    """Create a song awaiting its audio. Raises Forbidden for listeners."""
    _staff(who)
    values = body.model_dump() | {"created_by": who.user_id}
    values["type"] = body.type.value if body.type else None
    return song_view(repo.insert_song(db.connection(), values), staff=True)


def get_song(who: Principal, song_id: UUID) -> dict[str, Any]:
    """One song; listeners see ready songs only. Raises NotFound."""
    staff = role(who) in ("admin", "manager")
    row = repo.get_song(db.connection(), song_id)
    if row is not None and row["status"] == "processing":
        row = next(iter(settle_stalled_uploads(song_id)), row)
    if row is None or (not staff and row["status"] != "ready"):
        raise NotFound("song not found", code="song_not_found")
    return song_view(row, staff=staff)


def update_song(who: Principal, song_id: UUID, body: SongUpdate) -> dict[str, Any]:
    """Change a song's title, artist, type, embedding or BPM. Raises Forbidden, NotFound."""
    _staff(who)
    changes = body.model_dump(exclude_unset=True)
    if "title" in changes and changes["title"] is None:
        raise BadRequest("title cannot be null", code="validation_error", fields=[{"field": "title", "message": "cannot be null"}])
    if "type" in changes and changes["type"] is not None:
        changes["type"] = changes["type"].value if hasattr(changes["type"], "value") else changes["type"]
    row = repo.update_song(db.connection(), song_id, changes) if changes else repo.get_song(db.connection(), song_id)
    if row is None:
        raise NotFound("song not found", code="song_not_found")
    return song_view(row, staff=True)


def list_songs(who: Principal, status: str | None, cursor: str | None, limit: int) -> dict[str, Any]:
    """``{"songs", "next_cursor"}``; listeners see ready songs only."""
    staff = role(who) in ("admin", "manager")
    if staff:
        settle_stalled_uploads(None)
    rows = repo.list_songs(db.connection(), ready_only=not staff, status=status, after=decode_cursor(cursor), limit=limit)
    items, next_cursor = page(rows, limit, "created_at")
    return {"songs": [song_view(r, staff=staff) for r in items], "next_cursor": next_cursor}


def settle_stalled_uploads(song_id: UUID | None) -> list[dict[str, Any]]:
    """Reject the songs whose upload never arrived (``upload_not_received``) or whose processing
    died (``processing_timed_out``); see :func:`music.repository.settle_stalled_uploads`. Run
    when a song or the staff's song list is read, and by the scheduled refill job."""
    settings = get_settings()
    rows = repo.settle_stalled_uploads(db.connection(),
        song_id, wait_seconds=settings.presign_expiry_seconds + settings.processing_lease_seconds,
        stall_seconds=settings.processing_stall_seconds,
    )
    for row in rows:
        logger.warning("stalled song upload settled", extra={"song_id": str(row["id"]), "code": row["reason_code"]})
    return rows


def request_upload(who: Principal, song_id: UUID, body: SongUploadRequest) -> dict[str, Any]:
    """A presigned POST for the song's audio. Once the file lands, the processor reads it and the
    song becomes ``ready`` (duration and BPM from the file) or ``rejected`` with a reason.

    One upload, one object (issue 9 item 5): every call makes a new key
    ``uploads/<song>/<upload>``; the policy accepts at most the declared ``size_bytes`` and
    lives ``presign_expiry_seconds``. The processor copies verified audio out of ``uploads/``, so
    a second submission of the same form is deleted at once (see ``music.audio.service``); an
    upload that never arrives is settled as ``rejected`` / ``upload_not_received``.

    Raises:
        PayloadTooLarge: ``size_bytes`` over ``max_upload_bytes``.
        NotFound: no such song.
        Conflict: (``song_has_audio``) the song is ready already.
    """
    settings = get_settings()
    _staff(who)
    if body.size_bytes > settings.max_upload_bytes:
        raise PayloadTooLarge(f"audio files up to {settings.max_upload_bytes} bytes are accepted", code="file_too_large")
    if repo.get_song(db.connection(), song_id) is None:
        raise NotFound("song not found", code="song_not_found")
    key = f"{UPLOADS_PREFIX}{song_id}/{uuid.uuid4()}"
    row = repo.start_upload(db.connection(), song_id, key, body.content_type)
    if row is None:
        raise Conflict("the song already has its audio; create a new song for other audio", code="song_has_audio")
    post = storage.presigned_post(settings.songs_bucket, key, content_type=body.content_type, max_bytes=body.size_bytes,
                                  expires_in=settings.presign_expiry_seconds)
    return {
        "song": song_view(row, staff=True),
        "upload": {"url": post.url, "fields": post.fields, "max_bytes": post.max_bytes, "expires_in": post.expires_in},
    }


def import_features(who: Principal, text: str) -> dict[str, Any]:
    """Create or update songs (with their embeddings) from a features CSV; all or nothing.

    Raises:
        PayloadTooLarge: over ``max_import_bytes``.
        BadRequest: (``invalid_csv``) see :func:`music.domain.features.parse_features_csv`; the
            ``fields`` list the bad rows as ``{"field": "row <n>", "message": ...}``.
    """
    settings = get_settings()
    _staff(who)
    if len(text.encode()) > settings.max_import_bytes:
        raise PayloadTooLarge(f"the CSV may be at most {settings.max_import_bytes} bytes", code="file_too_large")
    try:
        songs = parse_features_csv(text)
    except FeatureCsvError as exc:
        fields = [{"field": f"row {e['row']}", "message": str(e["message"])} for e in exc.errors]
        raise BadRequest(exc.message, code="invalid_csv", fields=fields) from exc
    created, updated = repo.upsert_imported(db.connection(), IMPORT_SOURCE, [s.__dict__ for s in songs], who.user_id)
    return {"created": created, "updated": updated, "rows": len(songs)}


# ---------------------------------------------------------------- players: managers' view
def _online_seconds() -> int:
    return get_settings().online_seconds


def player_view(row: dict[str, Any]) -> dict[str, Any]:
    """A player for managers: the document's columns (never the token), ``online`` from the
    heartbeat, and ``status`` as reported, or ``offline`` when the heartbeat is too old."""
    out = {k: v for k, v in row.items() if k not in ("current_song_title", "current_song_artist")}
    if "online" in row and not row["online"]:
        out["status"] = "offline"
    out["current_song"] = (
        {"id": row["current_song_id"], "title": row.get("current_song_title"), "artist": row.get("current_song_artist")}
        if row.get("current_song_id") else None
    )
    out["revoked"] = row["revoked_at"] is not None
    return out


def _visible_player(who: Principal, player_id: UUID) -> tuple[dict[str, Any], bool]:
    is_admin = _staff(who)
    row = repo.get_player(db.connection(), player_id, who.user_id, is_admin, _online_seconds())
    if row is None:
        raise NotFound("player not found", code="player_not_found")
    return row, is_admin


def create_player(who: Principal, body: PlayerCreate) -> dict[str, Any]:
    """Create a player; the response carries its device ``token``, this once only."""
    is_admin = _staff(who)
    manager_id = body.manager_id
    if manager_id is not None and not is_admin:
        raise Forbidden("only admins assign managers", code="admin_only")
    if manager_id is None and not is_admin:
        manager_id = who.user_id
    if manager_id is not None:
        _require_manager(manager_id)
    token = tokens.new_token()
    row = repo.insert_player(db.connection(),
                             body.name, tokens.token_hash(token), tokens.token_hint(token), manager_id, who.user_id)
    return player_view(row | {"online": False, "library_only": False}) | {"token": token}


def _require_manager(user_id: UUID) -> None:
    if repo.role_of(db.connection(), user_id) not in ("manager", "admin"):
        raise BadRequest("manager_id must be a user with the manager or admin role", code="not_a_manager",
                         fields=[{"field": "manager_id", "message": "not a manager"}])


def list_players(who: Principal, cursor: str | None, limit: int) -> dict[str, Any]:
    """``{"players", "next_cursor"}``: the caller's players (all for an admin). Raises Forbidden."""
    is_admin = _staff(who)
    rows = repo.list_players(db.connection(), who.user_id, is_admin, _online_seconds(), decode_cursor(cursor), limit)
    items, next_cursor = page(rows, limit, "created_at")
    return {"players": [player_view(r) for r in items], "next_cursor": next_cursor}


def get_player(who: Principal, player_id: UUID) -> dict[str, Any]:
    """The managers' page of one player: status, what is playing, the queue, recent history, the
    number of listeners and where the next songs' target comes from."""
    row, _ = _visible_player(who, player_id)
    recent = repo.history(db.connection(), player_id, None, 10)[:10]
    return player_view(row) | {
        "queue": [_entry_view(e, with_url=False) for e in repo.queue_entries(db.connection(), player_id)],
        "history": recent,
        "collective_vector": repo.collective_vector(db.connection(), player_id),
    }


def update_player(who: Principal, player_id: UUID, body: PlayerUpdate) -> dict[str, Any]:
    """Rename a player, or (admins) assign its manager. Raises Forbidden, NotFound, BadRequest."""
    _, is_admin = _visible_player(who, player_id)
    changes = body.model_dump(exclude_unset=True)
    if "name" in changes and changes["name"] is None:
        raise BadRequest("name cannot be null", code="validation_error", fields=[{"field": "name", "message": "cannot be null"}])
    if "manager_id" in changes:
        if not is_admin:
            raise Forbidden("only admins assign managers", code="admin_only")
        if changes["manager_id"] is not None:
            _require_manager(changes["manager_id"])
    if changes:
        repo.update_player(db.connection(), player_id, who.user_id, is_admin, changes)
    return get_player(who, player_id)


def rotate_token(who: Principal, player_id: UUID) -> dict[str, Any]:
    """A new device token (shown this once); the old one stops working at once. Also re-enables a
    revoked player."""
    _, is_admin = _visible_player(who, player_id)
    token = tokens.new_token()
    repo.update_player(db.connection(),
        player_id, who.user_id, is_admin,
        {"token_hash": tokens.token_hash(token), "token_hint": tokens.token_hint(token),
         "token_rotated_at": datetime.now(timezone.utc), "revoked_at": None},
    )
    return get_player(who, player_id) | {"token": token}


def revoke_player(who: Principal, player_id: UUID) -> dict[str, Any]:
    """The player's token stops working (its polls are refused) until a rotation issues a new one."""
    _, is_admin = _visible_player(who, player_id)
    repo.update_player(db.connection(),
                       player_id, who.user_id, is_admin, {"revoked_at": datetime.now(timezone.utc), "status": "offline"})
    return get_player(who, player_id)


def player_history(who: Principal, player_id: UUID, cursor: str | None, limit: int) -> dict[str, Any]:
    """``{"history", "next_cursor"}`` of a player the caller runs. Raises NotFound."""
    _visible_player(who, player_id)
    rows = repo.history(db.connection(), player_id, decode_cursor(cursor), limit)
    items, next_cursor = page(rows, limit, "played_at")
    return {"history": items, "next_cursor": next_cursor}


def player_queue(who: Principal, player_id: UUID) -> dict[str, Any]:
    """``{"queue"}`` of a player the caller runs, head first. Raises NotFound."""
    _visible_player(who, player_id)
    return {"queue": [_entry_view(e, with_url=False) for e in repo.queue_entries(db.connection(), player_id)]}


def player_library(who: Principal, player_id: UUID, cursor: str | None, limit: int) -> dict[str, Any]:
    """``{"library", "next_cursor"}`` of a player the caller runs. Raises NotFound."""
    _visible_player(who, player_id)
    rows = repo.library(db.connection(), player_id, decode_cursor(cursor), limit)
    items, next_cursor = page(rows, limit, "added_at")
    return {"library": items, "next_cursor": next_cursor}


def add_library(who: Principal, player_id: UUID, body: LibraryAdd) -> dict[str, Any]:
    """Add songs to a player's library. All or nothing: an unknown song id refuses the whole request.

    Songs in any status may be added (a manager can build the library while its audio is still
    uploading). The player plays only its library once at least one library song is playable
    (``ready``, with an embedding: ``music.plays_library_only``); until then it keeps playing the
    catalogue, so a library of songs without audio never silences the room. The answer says where
    the library stands: ``library_size`` (songs in it), ``library_playable`` (of them, playable now)
    and ``library_only`` (whether the player now plays only its library).
    """
    _visible_player(who, player_id)
    song_ids = list(dict.fromkeys(body.song_ids))
    existing = repo.existing_song_ids(db.connection(), song_ids)
    unknown = [str(s) for s in song_ids if s not in existing]
    if unknown:
        raise BadRequest(f"unknown song ids: {', '.join(unknown[:10])}", code="unknown_songs",
                         fields=[{"field": "song_ids", "message": f"{len(unknown)} unknown"}])
    added = repo.add_to_library(db.connection(), player_id, song_ids)
    _refill(player_id, replan=True)
    return {"added": added, **repo.library_state(db.connection(), player_id)}


def remove_library(who: Principal, player_id: UUID, song_id: UUID) -> None:
    """Take a song out of a player's library and re-plan its queue; the song leaves the queue
    too, unless it is among the entries a poll hands out (the player may be playing it or have
    it loaded). Raises NotFound."""
    _visible_player(who, player_id)
    with db.transaction() as conn:
        removed = repo.remove_from_library(conn, player_id, song_id, get_settings().queue_keep)
    if not removed:
        raise NotFound("the song is not in this player's library", code="not_in_library")
    _refill(player_id, replan=True)


# ---------------------------------------------------------------- the queue
def _refill(player_id: UUID, *, replan: bool) -> dict[str, Any]:
    settings = get_settings()
    with db.transaction() as conn:
        return repo.refill_queue(
            conn, player_id, length=settings.queue_length, keep=settings.queue_keep, replan=replan,
            window_minutes=settings.penalty_window_minutes,
        )


def refill_if_low(player_id: UUID) -> None:
    """Refill at once when the queue is below the low-water mark (document: "a queue that runs low")."""
    if repo.queue_length(db.connection(), player_id) < get_settings().queue_low_water:
        _refill(player_id, replan=False)


#: Most players one scheduled run takes on (about 10 ms each: far more than fit in its 55 s).
REFILL_MAX_PLAYERS = 10_000


def refill_all(remaining_ms: Callable[[], int] | None = None) -> dict[str, Any]:
    """The scheduled job: close expired sessions, mark silent players offline, and re-plan the
    queues (head kept) of the players that need it, most in need first.

    Which players: those seen polling within ``refill_seen_minutes``. A player that is off, or
    never polled, is left alone: its first poll refills its low (or empty) queue at once
    (:func:`poll`), and the next run re-plans it. Order: never refilled first, then the oldest
    refill first (``players.refilled_at``, which every refill stamps), so a run that ends early
    leaves the freshest queues, and the players it did not reach come first in the next run.
    Time: no new player is started once ``remaining_ms()`` (the Lambda context's
    ``get_remaining_time_in_millis``) is below ``refill_margin_ms``. A player another refill
    holds is skipped, not waited for; a player whose refill fails is logged, goes to the back of
    the order, and the run goes on.

    Returns:
        counts: ``players`` started, ``refilled``, ``added`` entries, ``sessions_expired``,
        ``players_offline``, ``songs_settled`` (uploads never received or stalled), and ``out_of_time`` (the run stopped before every player).
    """
    settings = get_settings()
    stalled = len(settle_stalled_uploads(None))
    expired = repo.expire_sessions(db.connection())
    offline = repo.mark_offline(db.connection(), settings.online_seconds)
    players = refilled = added = 0
    out_of_time = False
    for player_id in repo.players_to_refill(db.connection(), settings.refill_seen_minutes, REFILL_MAX_PLAYERS):
        if remaining_ms is not None and remaining_ms() < settings.refill_margin_ms:
            out_of_time = True
            break
        players += 1
        try:
            with db.transaction() as conn:
                result = repo.refill_queue(
                    conn, player_id, length=settings.queue_length, keep=settings.queue_keep, replan=True,
                    window_minutes=settings.penalty_window_minutes, wait=False,
                )
        except Exception:  # one player's failure must not starve the others
            logger.exception("refill failed", extra={"player_id": str(player_id)})
            try:
                repo.stamp_refilled(db.connection(), player_id)
            except Exception:  # the connection itself may be gone; the next player will tell
                logger.exception("could not stamp the failed refill", extra={"player_id": str(player_id)})
            continue
        if not result["skipped"]:
            refilled += 1
            added += result["added"]
    return {"players": players, "refilled": refilled, "added": added, "sessions_expired": expired,
            "players_offline": offline, "out_of_time": out_of_time, "songs_settled": stalled}


def recommendations(who: Principal, player_id: UUID, limit: int) -> dict[str, Any]:
    """What ``recommend_with_penalty`` would pick now for a player (managers' view)."""
    _visible_player(who, player_id)
    return {"recommendations": repo.recommend(db.connection(), player_id, None, limit, get_settings().penalty_window_minutes)}


# ---------------------------------------------------------------- player device
def _entry_view(entry: dict[str, Any], *, with_url: bool) -> dict[str, Any]:
    settings = get_settings()
    out = {k: v for k, v in entry.items() if k not in ("file_key",)}
    if with_url:
        out["url"] = storage.presigned_get(settings.songs_bucket, entry["file_key"], expires_in=settings.url_expiry_seconds)
        out["url_expires_in"] = settings.url_expiry_seconds
    return out


def _now_and_next(player_id: UUID) -> dict[str, Any]:
    """The first :data:`POLL_ENTRIES` queue entries with audio URLs: ``now`` and ``next``. A
    re-plan keeps at least these (``queue_keep``), so a report of any of them finds its entry."""
    entries = repo.queue_entries(db.connection(), player_id, limit=POLL_ENTRIES)
    views = [_entry_view(e, with_url=True) for e in entries]
    return {"now": views[0] if views else None, "next": views[1:]}


def poll(player_id: UUID, status: str) -> dict[str, Any]:
    """A player's poll: records the heartbeat (``last_poll``, ``status``), refills a low queue,
    and says what to play now and next, with presigned URLs for the audio.

    Raises:
        Unauthorized: the player was revoked after the authorizer let the request in.
    """
    player = repo.heartbeat(db.connection(), player_id, status)
    if player is None:
        raise Unauthorized("this player's token is no longer valid", code="player_revoked")
    refill_if_low(player_id)
    plan = _now_and_next(player_id)
    if status == "playing" and plan["now"]:
        repo.set_current_song(db.connection(), player_id, plan["now"]["song_id"])
    return {
        "player_id": player_id,
        "name": player["name"],
        "venue_code": player.get("venue_code"),
        "status": status,
        **plan,
        "poll_after_seconds": get_settings().poll_interval_seconds,
    }


def played(player_id: UUID, body: PlayedReport) -> dict[str, Any]:
    """A player reports a song played: writes ``songs_playing``, removes the entry from the queue,
    refills it if low, and answers with the new now/next (as a poll would).

    Raises:
        NotFound: (``not_in_queue``) the song / entry is not in this player's queue.
        Conflict: (``song_mismatch``) ``queue_entry_id`` holds another song.
        BadRequest: ``played_at`` in the future or more than a day old.
    """
    if body.played_at is not None:
        now = datetime.now(timezone.utc)
        if body.played_at > now + timedelta(minutes=5) or body.played_at < now - timedelta(days=1):
            raise BadRequest("played_at must be within the last day", code="validation_error",
                             fields=[{"field": "played_at", "message": "not within the last day"}])
    with db.transaction() as conn:
        result = repo.record_played(conn, player_id, body.song_id, body.queue_entry_id, body.played_at)
    if result["status"] == "not_in_queue":
        raise NotFound("that song is not in this player's queue", code="not_in_queue")
    if result["status"] == "song_mismatch":
        raise Conflict("queue_entry_id holds another song", code="song_mismatch")
    if result["status"] == "recorded":
        refill_if_low(player_id)
    return {"recorded": result["status"] == "recorded", "duplicate": result["status"] == "duplicate",
            "history": result["history"], **_now_and_next(player_id)}


# ---------------------------------------------------------------- listeners
def _session_view(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "expired"}


def check_in(who: Principal, body: CheckIn) -> tuple[dict[str, Any], bool]:
    """Check in at a player's venue (a session of ``session_minutes``; a repeat extends it; checking
    in elsewhere ends the previous session). The player's queue is re-planned for the new room.

    Raises:
        NotFound: no such (unrevoked) player.
    """
    if not repo.player_exists(db.connection(), body.player_id):
        raise NotFound("player not found", code="player_not_found")
    with db.transaction() as conn:
        session, created, left = repo.check_in(conn, who.user_id, body.player_id, get_settings().session_minutes)
    for player_id in {body.player_id, left} - {None}:
        _refill(player_id, replan=True)
    return session, created


VENUE_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def normalise_venue_code(code: str) -> str | None:
    """``abcd-efgh`` / ``ABCD EFGH`` -> ``ABCDEFGH``; None when it cannot be a venue code."""
    cleaned = "".join(ch for ch in code.upper() if ch not in " -")
    if len(cleaned) != 8 or any(ch not in VENUE_CODE_ALPHABET for ch in cleaned):
        return None
    return cleaned


def find_venue(who: Principal, code: str) -> dict[str, Any]:
    """A listener finds the player of the venue they are in by the code it shows (issue 9 item 6):
    ``{"player_id", "name", "venue_code", "online", "now_playing"}``; then checks in with
    ``player_id``. No list of players is public (see README, "Finding a venue").

    Raises:
        NotFound: (``venue_not_found``) no unrevoked player shows this code (or it is malformed).
    """
    normal = normalise_venue_code(code)
    row = repo.player_by_venue_code(db.connection(), normal, _online_seconds()) if normal else None
    if row is None:
        raise NotFound("no venue has this code", code="venue_not_found")
    title, artist = row.pop("now_playing_title"), row.pop("now_playing_artist")
    return row | {"now_playing": {"title": title, "artist": artist} if title else None}


def rotate_venue_code(who: Principal, player_id: UUID) -> dict[str, Any]:
    """A new venue code for a player the caller runs (managers, admins); the old code stops
    finding the player at once (e.g. after it was posted online). Raises Forbidden, NotFound."""
    _, is_admin = _visible_player(who, player_id)
    if repo.new_venue_code(db.connection(), player_id, who.user_id, is_admin) is None:
        raise NotFound("player not found", code="player_not_found")
    return get_player(who, player_id)


def current_session(who: Principal) -> dict[str, Any]:
    """The caller's active session with what its player plays now and next. Raises NotFound."""
    session = repo.current_session(db.connection(), who.user_id)
    if session is None or session["expired"]:
        raise NotFound("you are not checked in", code="no_active_session")
    return _session_view(session) | _now_and_next_public(session["player_id"])


def _now_and_next_public(player_id: UUID) -> dict[str, Any]:
    entries = repo.queue_entries(db.connection(), player_id, limit=POLL_ENTRIES)
    slim = [{k: e[k] for k in ("queue_entry_id", "song_id", "title", "artist", "duration")} for e in entries]
    return {"now_playing": slim[0] if slim else None, "up_next": slim[1:]}


def check_out(who: Principal) -> None:
    """End the caller's session and re-plan the player's queue. Raises NotFound when not checked in."""
    session = repo.check_out(db.connection(), who.user_id)
    if session is None:
        raise NotFound("you are not checked in", code="no_active_session")
    _refill(session["player_id"], replan=True)


def vote(who: Principal, body: VoteCreate) -> dict[str, Any]:
    """Vote 1..5 on a song: stores the vote and moves the listener's preference vector
    (``music.domain.preference``), then re-plans the queue of the player the listener is at.

    Rate limits (issue 9 item 6): one vote per listener per ``vote_interval_seconds`` (checked
    under the listener's profile row lock, so concurrent votes cannot both pass), and at most one
    vote-driven re-plan per player per ``vote_replan_seconds`` (a vote inside the window still
    counts: the next re-plan reads every listener's vector).

    Raises:
        TooManyRequests: (``voting_too_fast``) 429 with ``Retry-After`` in whole seconds.
        Forbidden: (``no_active_session`` / ``session_expired``) not checked in anywhere.
        NotFound: (``song_not_found``) no such song, or not one the listener's player may play.
        Conflict: (``song_has_no_embedding``) the song has no vector to learn from.
    """
    settings = get_settings()
    with db.transaction():
        session = repo.current_session(db.connection(), who.user_id)
        if session is None:
            raise Forbidden("check in at a player before voting", code="no_active_session")
        if session["expired"]:
            raise Forbidden("your session has expired; check in again", code="session_expired")
        song = repo.song_for_vote(db.connection(), body.song_id, session["player_id"])
        if song is None or song["status"] != "ready" or not song["playable_here"]:
            raise NotFound("song not found at this venue", code="song_not_found")
        if song["embedding"] is None:
            raise Conflict("this song has no embedding yet, so a vote cannot say anything about taste", code="song_has_no_embedding")
        current = repo.lock_preference(db.connection(), who.user_id)
        wait = repo.seconds_until_next_vote(db.connection(), who.user_id, settings.vote_interval_seconds)
        if wait > 0:
            raise TooManyRequests(f"one vote per {settings.vote_interval_seconds:g} s; try again in {math.ceil(wait)} s",
                                  retry_after=math.ceil(wait), code="voting_too_fast")
        moved = preference.updated_preference(current, song["embedding"], body.vote_value, learning_rate=settings.learning_rate)
        saved = repo.save_vote(db.connection(), who.user_id, body.song_id, session, body.vote_value, moved)
    if repo.claim_vote_replan(db.connection(), session["player_id"], settings.vote_replan_seconds):
        _refill(session["player_id"], replan=True)
    return saved | {"preference_vector": moved}
