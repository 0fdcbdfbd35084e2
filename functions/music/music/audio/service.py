"""Audio processing use case: one uploaded file → the song ``ready`` (duration, BPM) or ``rejected``.

The flow (lease, read, process, finish or reject, release on a transient failure) is the
platform's :func:`backlot.uploads.process_claimed_upload`; this module gives music's steps.

One upload, one object (issue 9 item 5): the upload lands at ``uploads/<song>/<upload>``, a key
made for that one presigned POST. Audio that passes the check is copied to
``songs/<song>/<upload>`` (outside the ``uploads/`` prefix, so it raises no event) and the upload
object is deleted; the song's ``file_key`` names the copy. A second submission of the same form
(the policy stays valid for ``presign_expiry_seconds``) writes ``uploads/...`` again: no song
waits for that key any more, so its object is deleted at once and the ready song's audio, which
only the processor ever writes, is untouched. A legacy song whose ``file_key`` is still an upload
key keeps it (its object is never deleted here).

Idempotent: the song is claimed with a lease before any work (``repository.claim_upload``), so
the same S3 event delivered twice does the work once. A file that can never be played (not
audio, broken, too short or long, too big, gone) is rejected with its reason, deleted and not
retried; only transient failures (S3 or PostgreSQL unavailable) raise, so SQS retries them and
finally moves them to the dead-letter queue. No S3 call runs inside a database transaction: every
repository call here is its own statement.
"""

from __future__ import annotations

from typing import Any

from backlot import db, storage
from backlot.observability import logger, metrics
from backlot.storage import S3ObjectRef
from backlot.uploads import ClaimedUploadSteps, UploadRejected, process_claimed_upload

from music import repository as repo
from music.audio.metadata import AudioInfo, AudioRejected, read_audio
from music.settings import get_settings

UPLOADS_PREFIX = "uploads/"
SONGS_PREFIX = "songs/"


def stored_key(upload_key: str) -> str:
    """Where verified audio lives: ``uploads/<song>/<upload>`` -> ``songs/<song>/<upload>``."""
    return SONGS_PREFIX + upload_key.removeprefix(UPLOADS_PREFIX)


def _claim(ref: S3ObjectRef) -> dict[str, Any] | None:
    return repo.claim_upload(db.connection(), ref.key, get_settings().processing_lease_seconds)


def _process(song: dict[str, Any], data: bytes) -> tuple[AudioInfo, bytes]:
    try:
        return read_audio(data), data
    except AudioRejected as rejected:
        raise UploadRejected(rejected.code, rejected.reason) from None


def _steps(ref: S3ObjectRef) -> ClaimedUploadSteps[dict[str, Any], tuple[AudioInfo, bytes]]:
    bucket = ref.bucket

    def finish(song: dict[str, Any], result: tuple[AudioInfo, bytes]) -> None:
        info, data = result
        final = stored_key(ref.key)
        storage.put_bytes(bucket, final, data, content_type=info.mime_type)
        done = repo.finish_upload(db.connection(), song["id"], ref.key, {
            "status": "ready", "file_key": final, "mime_type": info.mime_type, "file_size_bytes": len(data),
            "duration": info.duration, "bpm": info.bpm if info.bpm is not None else song["bpm"],
            "reason": None, "reason_code": None,
        })
        storage.delete(bucket, ref.key)
        if not done:  # the song moved on meanwhile (settled, or another upload asked for): drop the copy
            storage.delete(bucket, final)
            logger.info("upload no longer current; copy dropped", extra={"song_id": str(song["id"]), "key": ref.key})
            return
        metrics.add_metric(name="SongReady", unit="Count", value=1)
        logger.info("song ready", extra={"song_id": str(song["id"]), "format": info.format, "duration": info.duration})

    def reject(song: dict[str, Any], rejected: UploadRejected) -> None:
        repo.finish_upload(db.connection(),
                           song["id"], ref.key, {"status": "rejected", "reason": rejected.reason, "reason_code": rejected.code})
        storage.delete(bucket, ref.key)
        metrics.add_metric(name="SongRejected", unit="Count", value=1)
        logger.info("song rejected", extra={"song_id": str(song["id"]), "code": rejected.code, "reason": rejected.reason})

    def release(song: dict[str, Any], exc: BaseException) -> None:
        repo.release_upload(db.connection(), song["id"])

    def unclaimed(obj: S3ObjectRef) -> None:
        if not obj.key.startswith(UPLOADS_PREFIX) or repo.upload_in_use(db.connection(), obj.key):
            logger.info("nothing to do (claimed by another delivery)", extra={"key": obj.key})
            return
        storage.delete(obj.bucket, obj.key)  # a reused form, a late or stray upload: nobody waits for it
        metrics.add_metric(name="StrayUploadDeleted", unit="Count", value=1)
        logger.warning("upload nobody waits for deleted", extra={"key": obj.key})

    return ClaimedUploadSteps(claim=_claim, process=_process, finish=finish, reject=reject, release=release,
                              unclaimed=unclaimed)


def process_object(ref: S3ObjectRef) -> str:
    """Process one uploaded file. Returns ``ready``, ``rejected`` or ``skipped``.

    Raises:
        botocore.exceptions.ClientError, psycopg.Error: transient failures, to be retried.
    """
    settings = get_settings()
    if ref.bucket != settings.songs_bucket:
        logger.warning("event for another bucket ignored", extra={"bucket": ref.bucket, "key": ref.key})
        return "skipped"
    outcome = process_claimed_upload(ref, _steps(ref), max_bytes=settings.max_upload_bytes)
    return {"finished": "ready", "rejected": "rejected", "skipped": "skipped"}[outcome]
