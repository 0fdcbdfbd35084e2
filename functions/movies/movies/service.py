"""Movies use cases: upload, parse, enrich, read, delete, expire (design document 003; issue 4).

A session's life: ``processing`` (awaiting the upload, then parsing) -> ``enriching`` (TMDB jobs
queued) -> ``completed``; or ``failed`` with ``failure_code`` and ``failure_reason``. Without a
TMDB key the session goes from parsing straight to ``completed`` with enrichment ``skipped``.

No session stays unfinished, whatever kills its deliveries (Lambda timeouts, crashes, a database
that keeps failing): one whose parse or enrichment has stalled for longer than any delivery can
still be alive is finished by :func:`settle_if_stalled` when read, and by the periodic sweep
:func:`settle_stalled_sessions` when nobody reads it (bounds in ``MoviesSettings``).

Errors are domain errors (``backlot.errors``). An unknown, deleted or expired session is a 404
``session_not_found`` whatever the reason, so nothing about other sessions leaks.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from uuid import UUID

from botocore.exceptions import ClientError

from backlot import db, storage
from backlot.errors import BadRequest, DomainError, NotFound, PayloadTooLarge, UnsupportedMediaType
from backlot.observability import logger, metrics
from backlot.pagination import decode_position, encode_position
from backlot.storage import S3ObjectRef
from backlot.uploads import ClaimedUploadSteps, UploadRejected, process_claimed_upload

from movies import repository as repo
from movies.domain import stats as stats_shape
from movies.domain.export import ExportRejected, InputFile, gc_paused, read_export
from movies.domain.matching import choose, details_values
from movies.settings import MoviesSettings, get_settings

if TYPE_CHECKING:  # movies.tmdb (urllib3, ~12 ms) is imported by enrichment only, not by the API functions
    from movies.tmdb import TmdbClient

EXPORTS_PREFIX = "exports/"
UPLOAD_TYPES = ("application/zip", "application/x-zip-compressed", "text/csv", "application/octet-stream")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class EnrichmentIncomplete(Exception):
    """Some films of an enrichment message could not be done this time (SQS retries the message)."""


def _rejected(exc: ExportRejected) -> DomainError:
    error = DomainError(exc.reason, code=exc.code)
    error.status = exc.status
    return error


def _expires_at(settings: MoviesSettings) -> datetime:
    return datetime.now(timezone.utc) + timedelta(hours=settings.session_ttl_hours)


def enrichment_plan() -> tuple[bool, str | None]:
    """Whether a parsed export is enriched, and if not, why (the session's ``enrichment_note``)."""
    settings = get_settings()
    try:
        key = settings.tmdb_key()
    except Exception:  # noqa: BLE001 - a missing or unreadable secret must not lose the upload
        logger.exception("TMDB key could not be read; enrichment skipped")
        return False, "enrichment skipped: the TMDB API key could not be read"
    if not key:
        return False, "enrichment skipped: no TMDB API key is configured"
    if not settings.enrich_queue_url:
        return False, "enrichment skipped: no enrichment queue is configured"
    return True, None


@lru_cache(maxsize=1)
def _sqs() -> Any:
    import boto3

    return boto3.client("sqs")


def enqueue_enrichment(session_id: UUID) -> int:
    """Queue the session's pending films for TMDB, ``enrich_batch_size`` films per message.

    Returns the number of messages sent. A session with no film completes at once.

    Raises:
        RuntimeError, botocore.exceptions.ClientError: SQS refused a message.
    """
    settings = get_settings()
    film_ids = repo.film_ids_in_order(db.connection(), session_id)
    if not film_ids:
        repo.finish_enrichment_if_done(db.connection(), session_id)
        return 0
    size = settings.enrich_batch_size
    bodies = [json.dumps({"session_id": str(session_id), "film_ids": [str(f) for f in film_ids[i:i + size]]})
              for i in range(0, len(film_ids), size)]
    for start in range(0, len(bodies), 10):
        entries = [{"Id": str(n), "MessageBody": body} for n, body in enumerate(bodies[start:start + 10])]
        result = _sqs().send_message_batch(QueueUrl=settings.enrich_queue_url, Entries=entries)
        if result.get("Failed"):
            raise RuntimeError(f"SQS refused {len(result['Failed'])} enrichment messages: {result['Failed'][0].get('Message')}")
    repo.mark_enqueued(db.connection(), session_id)
    return len(bodies)


def _store(conn: Any, session_id: UUID, export: Any, plan: tuple[bool, str | None]) -> dict[str, Any] | None:
    """Write a parsed export in the caller's transaction; ``plan`` is :func:`enrichment_plan`'s
    answer, asked before the transaction opens (it may read a secret: no AWS call inside a
    database transaction)."""
    enrich, note = plan
    row = repo.store_export(conn, session_id, export, enrich=enrich, enrichment_note=note)
    metrics.add_metric(name="ExportParsed", unit="Count", value=1)
    logger.info("export stored", extra={"session_id": str(session_id), "films": len(export.films),
                                        "viewings": len(export.viewings), "enrich": enrich})
    return row


# ---------------------------------------------------------------- upload
def upload(files: list[InputFile]) -> dict[str, Any]:
    """The document's ``POST /api/upload``: parse and store the files now, return the session.

    Returns ``{"session_id", "status", "total_movies"}``: ``status`` is ``enriching`` (TMDB jobs
    queued) or ``completed`` (enrichment skipped). Nothing is stored when the upload is refused.

    Raises:
        PayloadTooLarge: (``export_too_large``) over ``max_direct_upload_bytes``; use ``POST /api/uploads``.
        DomainError: the export is refused; code and status from ``ExportRejected``.
    """
    settings = get_settings()
    size = sum(len(f.data) for f in files)
    if size > settings.max_direct_upload_bytes:
        raise PayloadTooLarge(
            f"the upload is {size} bytes; this endpoint takes up to {settings.max_direct_upload_bytes}. "
            "Use POST /api/uploads for a presigned upload of larger exports.",
            code="export_too_large",
        )
    with gc_paused():  # the export is dropped before the collector resumes
        try:
            export = read_export(files, settings.limits())
        except ExportRejected as exc:
            metrics.add_metric(name="ExportRejected", unit="Count", value=1)
            raise _rejected(exc) from None
        session_id = uuid.uuid4()
        plan = enrichment_plan()
        with db.transaction() as conn:
            repo.insert_session(conn, session_id, source="multipart", expires_at=_expires_at(settings), stage="parsing")
            row = _store(conn, session_id, export, plan)
        del export
    if row["status"] == "enriching":
        try:
            enqueue_enrichment(session_id)
        except Exception:  # noqa: BLE001 - the export is stored; do not leave the session waiting forever
            logger.exception("enrichment could not be queued", extra={"session_id": str(session_id)})
            with db.transaction() as conn:
                repo.skip_enrichment(conn, session_id, "enrichment skipped: the jobs could not be queued")
            row = repo.get_session(db.connection(), session_id)
    return {"session_id": session_id, "status": row["status"], "total_movies": row["total_movies"]}


def request_upload(filename: str | None, content_type: str, size_bytes: int) -> dict[str, Any]:
    """A presigned POST for an export too large for ``POST /api/upload`` (addition to document 003).

    Returns ``{"session_id", "status": "processing", "total_movies": 0, "upload": {"url", "fields",
    "max_bytes", "expires_in"}}``: POST the fields then the file (field ``file``, last) to ``url``;
    the parse function picks it up from S3 and the session moves on as for a direct upload.

    Raises:
        PayloadTooLarge: ``size_bytes`` over ``max_presigned_upload_bytes``.
        UnsupportedMediaType: not a ZIP or CSV type.
    """
    settings = get_settings()
    if size_bytes > settings.max_presigned_upload_bytes:
        raise PayloadTooLarge(f"exports up to {settings.max_presigned_upload_bytes} bytes are accepted", code="export_too_large")
    if content_type not in UPLOAD_TYPES:
        raise UnsupportedMediaType(f"content_type must be one of {', '.join(UPLOAD_TYPES)}", code="unsupported_type")
    session_id = uuid.uuid4()
    name = _SAFE_NAME.sub("_", (filename or "export").rsplit("/", 1)[-1])[:100] or "export"
    key = f"{EXPORTS_PREFIX}{session_id}/{name}"
    repo.insert_session(db.connection(), session_id, source="presigned", expires_at=_expires_at(settings), upload_key=key)
    post = storage.presigned_post(settings.exports_bucket, key, content_type=content_type, max_bytes=size_bytes,
                                  expires_in=settings.presign_expiry_seconds)
    return {
        "session_id": session_id, "status": "processing", "total_movies": 0,
        "upload": {"url": post.url, "fields": post.fields, "max_bytes": post.max_bytes, "expires_in": post.expires_in},
    }


def _session_of_key(key: str) -> UUID | None:
    parts = key.split("/")
    if len(parts) < 3 or parts[0] + "/" != EXPORTS_PREFIX:
        return None
    try:
        return UUID(parts[1])
    except ValueError:
        return None


def parse_uploaded(ref: S3ObjectRef, receive_count: int = 1) -> str:
    """The parse function's work for one uploaded object. Returns ``stored``, ``failed`` or ``skipped``.

    The flow is the platform's :func:`backlot.uploads.process_claimed_upload`: the session is
    claimed with a lease (``repository.claim_parse``), the object read (at most
    ``max_presigned_upload_bytes``), parsed, and written in one transaction that refuses a second
    write, so a duplicate S3 event does nothing; one that finds the session parsed but its
    enrichment never queued queues it. The object is deleted once parsed or refused (issue 4: no
    raw upload is kept), and an object nobody waits for (a second submission of a used form, a
    key that is not the session's) is deleted at once (issue 9 item 5). No S3 or SQS call runs
    inside the store's transaction.

    Raises:
        Exception: transient failures (S3, PostgreSQL, SQS) so SQS retries; on the queue's last
            delivery the session is marked failed first, so it never waits forever.
    """
    settings = get_settings()
    session_id = _session_of_key(ref.key)
    if ref.bucket != settings.exports_bucket or session_id is None:
        logger.warning("object ignored: not an export upload", extra={"bucket": ref.bucket, "key": ref.key})
        return "skipped"
    stored: list[dict[str, Any] | None] = []

    def claim(obj: S3ObjectRef) -> dict[str, Any] | None:
        session = repo.claim_parse(db.connection(), session_id, settings.parse_lease_seconds)
        if session is not None and session["upload_key"] != obj.key:
            repo.release_parse(db.connection(), session_id)
            logger.warning("object is not the session's upload", extra={"key": obj.key})
            return None
        return session

    def unclaimed(obj: S3ObjectRef) -> None:
        current = repo.get_session(db.connection(), session_id)
        if (current is None or current["upload_key"] != obj.key or current["parsed_at"] is not None
                or current["status"] == "failed"):
            _delete_quietly(obj.bucket, obj.key)
        if current and current["status"] == "enriching" and current["enqueued_at"] is None:
            enqueue_enrichment(session_id)
        logger.info("nothing to parse (done, unknown, expired or claimed)", extra={"key": obj.key})

    def process(session: dict[str, Any], data: bytes) -> Any:
        try:
            return read_export([InputFile(ref.key.split("/", 2)[2], data)], settings.limits())
        except ExportRejected as exc:
            raise UploadRejected(exc.code, exc.reason) from None

    def finish(session: dict[str, Any], export: Any) -> None:
        plan = enrichment_plan()
        with db.transaction() as conn:
            stored.append(_store(conn, session_id, export, plan))

    def reject(session: dict[str, Any], rejected: UploadRejected) -> None:
        _fail(session_id, ref, rejected.code, rejected.reason)

    def release(session: dict[str, Any], exc: BaseException) -> None:
        repo.release_parse(db.connection(), session_id)
        if receive_count >= settings.parse_max_receives:
            repo.fail_session(db.connection(),
                              session_id, "processing_failed", f"the export could not be processed after {receive_count} attempts")
            _delete_quietly(ref.bucket, ref.key)

    steps = ClaimedUploadSteps(claim=claim, process=process, finish=finish, reject=reject, release=release,
                               unclaimed=unclaimed, read=_read_export_object,
                               unavailable_codes={"too_large": "export_too_large", "missing": "upload_missing"})
    with gc_paused():  # the export is dropped before the collector resumes
        outcome = process_claimed_upload(ref, steps, max_bytes=settings.max_presigned_upload_bytes)
    if outcome != "finished":
        return {"rejected": "failed", "skipped": "skipped"}[outcome]
    _delete_quietly(ref.bucket, ref.key)
    row = stored[0] if stored else None
    if row is not None and row["status"] == "enriching":
        enqueue_enrichment(session_id)
    return "stored"


def _read_export_object(ref: S3ObjectRef, max_bytes: int) -> bytes:
    """``storage.read_upload`` with the exports' wording: gone -> ``upload_missing``, over the limit ->
    ``export_too_large`` (``ValueError`` from ``get_bytes``)."""
    try:
        return storage.read_upload(ref, max_bytes=max_bytes)
    except storage.UploadUnavailable as gone:
        if gone.code == "missing":
            raise storage.UploadUnavailable("missing", "the uploaded export is gone") from None
        raise


def _fail(session_id: UUID, ref: S3ObjectRef, code: str, reason: str) -> str:
    repo.fail_session(db.connection(), session_id, code, reason)
    _delete_quietly(ref.bucket, ref.key)
    metrics.add_metric(name="ExportRejected", unit="Count", value=1)
    logger.info("export refused", extra={"session_id": str(session_id), "code": code, "reason": reason})
    return "failed"


def _delete_quietly(bucket: str, key: str) -> None:
    try:
        storage.delete(bucket, key)
    except ClientError:
        logger.exception("could not delete an upload", extra={"key": key})


# ---------------------------------------------------------------- enrichment
def tmdb_client(settings: MoviesSettings, key: str, deadline: float | None = None) -> TmdbClient:
    from movies.tmdb import TmdbClient

    return TmdbClient(key, base_url=settings.tmdb_base_url, requests_per_second=settings.tmdb_requests_per_second,
                      timeout_s=settings.tmdb_timeout_s, retries=settings.tmdb_retries, deadline=deadline)


def enrich_one(client: TmdbClient, film: dict[str, Any]) -> dict[str, Any]:
    """TMDB data for one film: search by title and year (then title alone when the year finds
    nothing), choose with ``domain.matching``, fetch details and credits of a match.

    Returns the film columns to save, with ``enrichment_status`` ``matched``, ``not_found`` or
    ``ambiguous`` (``match_confidence`` 0..1 in every case).

    Raises:
        TmdbUnavailable: TMDB did not answer after retries.
    """
    from movies.tmdb import TmdbNotFound

    name, year = film["name"], film["year"]
    if film["same_title"] > 1:
        return {"enrichment_status": "ambiguous", "enrichment_reason": "ambiguous", "match_confidence": 0.0, "enrichment_error":
                f"{film['same_title']} films in this export are called {name!r} ({year or 'no year'}); the export does not say which is which"}
    match = choose(name, year, client.search_movie(name, year))
    if match.status == "not_found" and year is not None:
        retry = choose(name, year, client.search_movie(name))
        if retry.status != "not_found" or retry.confidence > match.confidence:
            match = retry
    if match.status != "matched":
        return {"enrichment_status": match.status, "enrichment_reason": match.status, "match_confidence": match.confidence,
                "enrichment_error": match.note}
    try:
        details = client.movie_details(match.result["id"])
    except TmdbNotFound:
        return {"enrichment_status": "not_found", "enrichment_reason": "not_found", "match_confidence": match.confidence,
                "enrichment_error": f"TMDB movie {match.result['id']} has no details"}
    return {"enrichment_status": "matched", "enrichment_reason": None, "match_confidence": match.confidence,
            "enrichment_error": None, **details_values(details)}


def enrich_batch(session_id: UUID, film_ids: list[UUID], *, receive_count: int = 1, deadline: float | None = None) -> dict[str, int]:
    """The enrich function's work for one message: every film still to do, one at a time.

    A film TMDB cannot answer for (after the client's own retries) is counted as an attempt; the
    message then fails so SQS delivers it again, and the films already done are not redone. On the
    queue's last delivery (``enrich_max_receives``) those films become ``failed``, the session can
    complete, and the message goes on to the dead-letter queue for a person to look at.

    The deadline bounds every TMDB request, not only the start of each film: the client starts no
    attempt (and sleeps no backoff) that could end after it (``TmdbOutOfTime``), so a film is given
    up for this delivery and the function returns its partial batch response before Lambda's
    timeout, instead of being killed with the attempt uncounted. A delivery killed anyway (or one
    whose database writes fail) is covered by :func:`settle_if_stalled`.

    Args:
        deadline: ``time.monotonic()`` by which every TMDB request must be over (see ``jobs``).

    Returns ``{"done": n, "failed": n}``.

    Raises:
        EnrichmentIncomplete: some films failed or were not reached.
    """
    settings = get_settings()
    films = repo.films_to_enrich(db.connection(), session_id, film_ids)
    if not films:
        repo.finish_enrichment_if_done(db.connection(), session_id)
        return {"done": 0, "failed": 0}
    key = settings.tmdb_key()
    if not key:
        for film in films:
            repo.save_enrichment(db.connection(), session_id, film["id"], {
                "enrichment_status": "skipped", "enrichment_reason": "no_tmdb_key", "enrichment_error": "no TMDB API key",
            })
        logger.warning("enrichment skipped: no TMDB API key", extra={"session_id": str(session_id), "films": len(films)})
        _finish_enrichment(session_id)
        return {"done": 0, "failed": 0}
    from movies.tmdb import TmdbUnavailable

    client = tmdb_client(settings, key, deadline)
    failed: dict[str, list[UUID]] = {}  # reason code -> films
    errors: dict[str, str] = {}  # reason code -> first message
    done = 0
    for film in films:
        if not client.has_time():  # not even one TMDB attempt fits before the deadline
            failed.setdefault("out_of_time", []).append(film["id"])
            errors.setdefault("out_of_time", "out of time: not reached in this delivery")
            continue
        try:
            values = enrich_one(client, film)
        except TmdbUnavailable as exc:
            failed.setdefault(exc.code, []).append(film["id"])
            errors.setdefault(exc.code, str(exc))
            continue
        repo.save_enrichment(db.connection(), session_id, film["id"], values)
        done += 1
    final = receive_count >= settings.enrich_max_receives
    for reason, ids in failed.items():
        repo.note_enrichment_error(db.connection(), session_id, ids, errors[reason], reason=reason, final=final)
        logger.warning("TMDB enrichment failed", extra={
            "session_id": str(session_id), "reason": reason, "films": len(ids), "error": errors[reason],
            "attempt": receive_count, "final": final})
    _finish_enrichment(session_id)
    metrics.add_metric(name="FilmsEnriched", unit="Count", value=done)
    n_failed = sum(len(ids) for ids in failed.values())
    if n_failed:
        metrics.add_metric(name="FilmsEnrichmentFailed", unit="Count", value=n_failed)
        summary = ", ".join(f"{reason} {len(ids)}" for reason, ids in sorted(failed.items()))
        raise EnrichmentIncomplete(f"{n_failed} of {len(films)} films not enriched ({summary}); final={final}")
    return {"done": done, "failed": 0}


def _finish_enrichment(session_id: UUID) -> None:
    """Complete the session if no film is pending; a session that completes with films left
    without TMDB data says so in the log, with the count per reason (issue 9 item 6: a session
    "done" with every film failed must not go unnoticed)."""
    if not repo.finish_enrichment_if_done(db.connection(), session_id):
        return
    reasons = repo.enrichment_reasons(db.connection(), session_id)
    unreached = {r: n for r, n in reasons.items() if r not in ("not_found", "ambiguous")}
    if unreached:
        logger.warning("session completed with films TMDB did not answer for",
                       extra={"session_id": str(session_id), "reasons": reasons})
    else:
        logger.info("session enrichment done", extra={"session_id": str(session_id), "reasons": reasons})


# ---------------------------------------------------------------- stalled sessions
def settle_if_stalled(row: dict[str, Any]) -> dict[str, Any]:
    """The session as it must be read: one whose parse or enrichment stalled is finished first.

    * ``enriching`` with no progress for ``enrich_stall_seconds``: its pending films become
      ``failed`` (``enrichment_timed_out``), the session ``completed`` (progress counts them).
    * ``processing``, never parsed, last parse lease out more than ``parse_stall_seconds`` ago:
      ``failed`` with ``parse_timed_out`` (``upload_not_received`` if never claimed at all).

    The bounds outlast every delivery the queue can still make (see ``MoviesSettings``), so no
    delivery can still finish the session. The change is one conditional UPDATE that fires only
    while the condition holds, so concurrent readers and the sweep finish a session once. Its
    upload, if one is left, goes with the bucket's one-day lifecycle rule (readers have no S3
    rights); the sweep deletes those of the sessions it fails.
    """
    settings = get_settings()
    if row["status"] == "enriching":
        settled = repo.time_out_enrichment(db.connection(), row["id"], stall_seconds=settings.enrich_stall_seconds)
    elif row["status"] == "processing":
        settled = repo.time_out_parse(db.connection(), row["id"], stall_seconds=settings.parse_stall_seconds,
                                      lease_seconds=settings.parse_lease_seconds,
                                      presign_seconds=settings.presign_expiry_seconds)
    else:
        return row
    if not settled:
        return row
    _log_settled(settled)
    metrics.add_metric(name="SessionsTimedOut", unit="Count", value=1)
    return settled[0]


def _log_settled(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        logger.warning("stalled session finished", extra={
            "session_id": str(row["id"]), "status": row["status"],
            "code": row["failure_code"] or repo.ENRICHMENT_TIMED_OUT, "films_timed_out": row.get("timed_out")})


def settle_stalled_sessions(batch: int = 200) -> dict[str, int]:
    """The periodic sweep (every 15 minutes): :func:`settle_if_stalled` for every session, read or
    not, so none waits for the nightly expiry. Deletes the uploads left by the sessions it fails.

    Returns ``{"enrichment_timed_out": n, "parse_timed_out": n}`` (the latter counts
    ``upload_not_received`` too).
    """
    settings = get_settings()
    counts = {"enrichment_timed_out": 0, "parse_timed_out": 0}
    while True:
        rows = repo.time_out_enrichment(db.connection(), None, stall_seconds=settings.enrich_stall_seconds, limit=batch)
        _log_settled(rows)
        counts["enrichment_timed_out"] += len(rows)
        if len(rows) < batch:
            break
    while True:
        rows = repo.time_out_parse(db.connection(), None, stall_seconds=settings.parse_stall_seconds,
                                   lease_seconds=settings.parse_lease_seconds,
                                   presign_seconds=settings.presign_expiry_seconds, limit=batch)
        _log_settled(rows)
        for row in rows:
            if row["upload_key"]:
                _delete_quietly(settings.exports_bucket, row["upload_key"])
        counts["parse_timed_out"] += len(rows)
        if len(rows) < batch:
            break
    metrics.add_metric(name="SessionsTimedOut", unit="Count", value=sum(counts.values()))
    logger.info("stalled sessions swept", extra=counts)
    return counts


# ---------------------------------------------------------------- reads
def _session_or_404(session_id: UUID) -> dict[str, Any]:
    """The session for a read (status, details, movies, stats), stalled ones finished first."""
    row = repo.get_session(db.connection(), session_id)
    if row is None:
        raise NotFound("session not found (unknown, deleted or expired)", code="session_not_found")
    return settle_if_stalled(row)


def progress(row: dict[str, Any], counts: dict[str, int]) -> dict[str, Any]:
    """``progress`` of a session: ``stage``, ``percent`` (0-100) and film counts by enrichment state."""
    total = sum(counts.values())
    pending = counts.get("pending", 0)
    failed = counts.get("failed", 0)
    skipped = counts.get("skipped", 0)
    if row["status"] == "processing":
        percent = 0 if row["stage"] == "awaiting_upload" else 10
    elif row["status"] == "enriching":
        percent = 20 + int(80 * (total - pending) / total) if total else 99
        percent = min(percent, 99)
    else:
        percent = 100
    return {
        "stage": row["stage"],
        "percent": percent,
        "films_total": total,
        "films_enriched": total - pending - failed - skipped,
        "films_matched": counts.get("matched", 0),
        "films_failed": failed,
        "films_pending": pending,
    }


def status(session_id: UUID) -> dict[str, Any]:
    """``GET /api/session/{id}/status``: ``{"status", "progress", "total_movies"}`` (document 003),
    plus ``reason`` when failed, ``enrichment`` (``running``, ``skipped``, ``done``) and
    ``enrichment_reasons``: films left without TMDB data per reason code (``tmdb_unreachable``,
    ``tmdb_http_503``, ``not_found``, ``ambiguous``, ``out_of_time``, ``enrichment_timed_out``, ...)."""
    row = _session_or_404(session_id)
    out = {"status": row["status"], "progress": progress(row, repo.enrichment_counts(db.connection(), session_id)),
           "total_movies": row["total_movies"], "enrichment": row["enrichment"],
           "enrichment_reasons": repo.enrichment_reasons(db.connection(), session_id)}
    if row["enrichment_note"]:
        out["enrichment_note"] = row["enrichment_note"]
    if row["status"] == "failed":
        out["reason"] = row["failure_reason"]
        out["code"] = row["failure_code"]
    return out


def session_details(session_id: UUID) -> dict[str, Any]:
    """``GET /api/session/{id}``: the session's metadata, progress and what was read from the export."""
    row = _session_or_404(session_id)
    return {
        "session_id": row["id"],
        "status": row["status"],
        "progress": progress(row, repo.enrichment_counts(db.connection(), session_id)),
        "total_movies": row["total_movies"],
        "total_viewings": row["total_viewings"],
        "source": row["source"],
        "enrichment": {"status": row["enrichment"], "note": row["enrichment_note"],
                       "reasons": repo.enrichment_reasons(db.connection(), session_id)},
        "failure": {"code": row["failure_code"], "reason": row["failure_reason"]} if row["status"] == "failed" else None,
        "summary": row["summary"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "completed_at": row["completed_at"],
        "expires_at": row["expires_at"],
    }


def list_movies(session_id: UUID, cursor: str | None, limit: int) -> dict[str, Any]:
    """``GET /api/session/{id}/movies``: one page of films in export order, keyset-paged."""
    row = _session_or_404(session_id)
    rows = repo.list_films(db.connection(), session_id, decode_position(cursor), limit)
    items = rows[:limit]
    next_cursor = encode_position(items[-1]["position"]) if len(rows) > limit and items else None
    movies = [{k: v for k, v in r.items() if k != "position"} for r in items]
    return {"session_id": session_id, "status": row["status"], "total_movies": row["total_movies"], "movies": movies,
            "next_cursor": next_cursor}


def statistics(session_id: UUID) -> dict[str, Any]:
    """``GET /api/session/{id}/stats``: see ``domain.stats``."""
    row = _session_or_404(session_id)
    return stats_shape.shape(row, repo.stats(db.connection(), session_id))


# ---------------------------------------------------------------- privacy
def delete(session_id: UUID) -> None:
    """``DELETE /api/session/{id}``: the session and everything under it, now (its upload too).

    Raises:
        NotFound: no such session.
    """
    with db.transaction() as conn:
        row = repo.delete_session(conn, session_id)
    if row is None:
        raise NotFound("session not found (unknown, deleted or expired)", code="session_not_found")
    if row["upload_key"]:
        _delete_quietly(get_settings().exports_bucket, row["upload_key"])
    logger.info("session deleted by its holder", extra={"session_id": str(session_id)})


def expire(batch: int = 500) -> int:
    """The nightly job: delete every expired session with everything under it; returns how many."""
    settings = get_settings()
    total = 0
    while True:
        with db.transaction() as conn:
            rows = repo.delete_expired(conn, batch)
        for row in rows:
            if row["upload_key"]:
                _delete_quietly(settings.exports_bucket, row["upload_key"])
        total += len(rows)
        if len(rows) < batch:
            break
    metrics.add_metric(name="SessionsExpired", unit="Count", value=total)
    logger.info("expired sessions deleted", extra={"count": total})
    return total
