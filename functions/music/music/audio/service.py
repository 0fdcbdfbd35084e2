"""Audio processing use case: one uploaded file → the song ``ready`` (duration, BPM) or ``rejected``.

Idempotent: the song is claimed with a lease before any work (``repository.claim_upload``), so the
same S3 event delivered twice does the work once. A file that can never be played (not audio,
broken, too short or long, too big) is rejected with its reason, deleted and not retried; only
transient failures (S3 or PostgreSQL unavailable) raise, so SQS retries them and finally moves
them to the dead-letter queue.
"""

from __future__ import annotations

from backlot import storage
from backlot.observability import logger, metrics
from backlot.storage import S3ObjectRef

from music import repository as repo
from music.audio.metadata import AudioRejected, read_audio
from music.settings import get_settings


def process_object(ref: S3ObjectRef) -> str:
    """Process one uploaded file. Returns ``ready``, ``rejected`` or ``skipped``.

    Raises:
        botocore.exceptions.ClientError, psycopg.Error: transient failures, to be retried.
    """
    settings = get_settings()
    if ref.bucket != settings.songs_bucket:
        logger.warning("event for another bucket ignored", extra={"bucket": ref.bucket, "key": ref.key})
        return "skipped"
    song = repo.claim_upload(ref.key, settings.processing_lease_seconds)
    if song is None:
        logger.info("nothing to do (already processed, unknown or claimed)", extra={"key": ref.key})
        return "skipped"
    try:
        try:
            data = storage.read_upload(ref, max_bytes=settings.max_upload_bytes)
        except storage.UploadUnavailable as gone:
            return _reject(song, ref, AudioRejected(gone.code, gone.reason))
        try:
            info = read_audio(data)
        except AudioRejected as rejected:
            return _reject(song, ref, rejected)
        repo.finish_upload(
            song["id"],
            ref.key,
            {
                "status": "ready",
                "file_key": ref.key,
                "mime_type": info.mime_type,
                "file_size_bytes": len(data),
                "duration": info.duration,
                "bpm": info.bpm if info.bpm is not None else song["bpm"],
                "reason": None,
                "reason_code": None,
            },
        )
    except Exception:
        repo.release_upload(song["id"])
        raise
    metrics.add_metric(name="SongReady", unit="Count", value=1)
    logger.info("song ready", extra={"song_id": str(song["id"]), "format": info.format, "duration": info.duration})
    return "ready"


def _reject(song: dict, ref: S3ObjectRef, rejected: AudioRejected) -> str:
    repo.finish_upload(song["id"], ref.key, {"status": "rejected", "reason": rejected.reason, "reason_code": rejected.code})
    storage.delete(ref.bucket, ref.key)
    metrics.add_metric(name="SongRejected", unit="Count", value=1)
    logger.info("song rejected", extra={"song_id": str(song["id"]), "code": rejected.code, "reason": rejected.reason})
    return "rejected"
