"""Media processing use case: one uploaded original → clean copy, preview, thumbnail, row ready.

The flow (lease, read, process, finish or reject, release on a transient failure) is the
platform's :func:`backlot.uploads.process_claimed_upload`; this module gives family's steps and
maps the platform's outcome to its own (``deleted`` when a step found the item gone).

The type is sniffed from the bytes: photos go through ``backlot.images.process_image``,
MP4/QuickTime videos through ``family.media.video.process_video`` (clean copy ``file.mp4``, the
poster frame as the preview, its thumbnail, and ``duration_seconds``).

Idempotent: the item is claimed with a lease before any work (``repository.claim_media``), so the
same S3 event delivered twice does the work once. A file that can never be processed (not an
image, truncated, a decompression bomb) is marked ``rejected`` with its reason and is not retried;
only transient failures (S3 or PostgreSQL unavailable) raise, so SQS retries them and finally
moves them to the dead-letter queue.

An original whose item is already processed (the presigned POST form submitted a second time
while still valid) is deleted unread: each item is processed once, from one upload.

Deleted items (``DELETE /media/{id}/``, ``family.service.delete_media``) are never brought back: a
processor that finds the row gone when it records its result deletes what it wrote and the
original; an original that no row names (it arrived, or its event was redelivered, after the
delete) is deleted with anything under its output folder. Neither is an error.
"""

from __future__ import annotations

from typing import Any

from backlot import db, storage
from backlot.images import ImageRejected, process_image, sniff_mime_type
from backlot.observability import logger, metrics
from backlot.storage import S3ObjectRef
from backlot.uploads import ClaimedUploadSteps, UploadRejected, process_claimed_upload

from family import repository as repo
from family.media import keys as media_keys
from family.media.keys import EXTENSIONS, output_keys  # noqa: F401 - part of this module's API
from family.media.video import VIDEO_MIME_TYPES, process_video
from family.settings import get_settings

#: The platform's outcome -> this module's, unless a step found the item gone (``deleted``).
_OUTCOMES = {"finished": "ready", "rejected": "rejected", "skipped": "skipped"}


def process_object(ref: S3ObjectRef) -> str:
    """Process one uploaded original. Returns what happened: ``ready``, ``rejected``, ``skipped``,
    or ``deleted`` (the item was deleted before or while it was processed, or the original is a
    resubmission of a processed item's form; its objects are removed).

    Raises:
        botocore.exceptions.ClientError, psycopg.Error: transient failures, to be retried.
        RuntimeError: no usable ffmpeg for a video (an installation problem): retried, then
            the message rests in the dead-letter queue and the item stays pending.
    """
    settings = get_settings()
    if ref.bucket != settings.uploads_bucket:
        logger.warning("event for another bucket ignored", extra={"bucket": ref.bucket, "key": ref.key})
        return "skipped"
    run = _MediaRun(ref)
    outcome = process_claimed_upload(ref, run.steps(), max_bytes=settings.max_presigned_upload_bytes)
    return "deleted" if run.deleted else _OUTCOMES[outcome]


class _MediaRun:
    """Family's steps for one original (``ref``). ``deleted`` records that a step found the item
    gone, or the original unwanted, and removed the objects: the platform's outcome cannot say so.
    Every repository call is its own statement: no S3 call runs inside a database transaction."""

    def __init__(self, ref: S3ObjectRef):
        self.ref = ref
        self.conn = db.connection()
        self.settings = get_settings()
        self.deleted = False

    def steps(self) -> ClaimedUploadSteps[dict[str, Any], Any]:
        return ClaimedUploadSteps(
            claim=self.claim, process=self.process, finish=self.finish, reject=self.reject,
            release=self.release, unclaimed=self.unclaimed,
            # the declared size (presigned uploads; the real size of multipart ones) bounds what is
            # read, as the POST policy does on S3 (the emulator does not check policies)
            max_bytes_of=lambda item: item["file_size_bytes"],
        )

    def claim(self, ref: S3ObjectRef) -> dict[str, Any] | None:
        return repo.claim_media(self.conn, ref.key, self.settings.processing_lease_seconds)

    def unclaimed(self, ref: S3ObjectRef) -> None:
        status = repo.media_status(self.conn, ref.key)
        if status is None:
            self.deleted = True
            _remove_orphan(ref)
        elif status != "pending":
            self.deleted = True
            _remove_resubmitted(ref, status)
        else:
            logger.info("nothing to do (claimed by another delivery)", extra={"key": ref.key})

    def process(self, item: dict[str, Any], data: bytes) -> tuple[Any, bytes, int | None]:
        """``(processed image or video, preview JPEG, whole seconds or None)``."""
        try:
            if sniff_mime_type(data) in VIDEO_MIME_TYPES:
                result = process_video(data, max_bytes=self.settings.max_presigned_upload_bytes)
                return result, result.poster, _whole_seconds(result.duration_seconds)
            result = process_image(data)
            return result, result.preview, None
        except ImageRejected as rejected:  # photos and videos (family.media.video.MediaRejected)
            raise UploadRejected(rejected.code, rejected.reason) from None

    def finish(self, item: dict[str, Any], processed: tuple[Any, bytes, int | None]) -> None:
        result, preview, duration = processed
        media_bucket = self.settings.media_bucket
        keys = output_keys(item, result.clean_mime_type)
        storage.put_bytes(media_bucket, keys["file_key"], result.clean, content_type=result.clean_mime_type)
        storage.put_bytes(media_bucket, keys["preview_key"], preview, content_type="image/jpeg")
        storage.put_bytes(media_bucket, keys["thumbnail_key"], result.thumbnail, content_type="image/jpeg")
        recorded = repo.finish_media(
            self.conn,
            item["id"],
            keys
            | {
                "status": "ready",
                "source_mime_type": result.mime_type,
                "mime_type": result.clean_mime_type,
                "width_px": result.width,
                "height_px": result.height,
                "duration_seconds": duration,
                "file_size_bytes": len(result.clean),
            },
        )
        if not recorded:
            self._remove_deleted(item, list(keys.values()))
            return
        storage.delete(self.ref.bucket, self.ref.key)
        metrics.add_metric(name="MediaReady", unit="Count", value=1)
        logger.info("media ready", extra={"media_id": str(item["id"]), "mime_type": result.mime_type})

    def reject(self, item: dict[str, Any], rejected: UploadRejected) -> None:
        recorded = repo.finish_media(self.conn, item["id"], {"status": "rejected", "reason": rejected.reason, "reason_code": rejected.code})
        if not recorded:
            self._remove_deleted(item, [])
            return
        storage.delete(self.ref.bucket, self.ref.key)
        metrics.add_metric(name="MediaRejected", unit="Count", value=1)
        logger.info("media rejected", extra={"media_id": str(item["id"]), "code": rejected.code, "reason": rejected.reason})

    def release(self, item: dict[str, Any], exc: BaseException) -> None:
        repo.release_media(self.conn, item["id"])

    def _remove_deleted(self, item: dict[str, Any], written: list[str]) -> None:
        """The item was deleted while it was processed: remove what this run wrote, anything else
        under its output folder, and the original, so the delete leaves nothing behind."""
        self.deleted = True
        media_keys.delete_objects(self.settings.media_bucket, self.ref.bucket, item["household_id"], item["id"],
                                  extra_media_keys=written, original=self.ref.key)
        metrics.add_metric(name="MediaDeletedWhileProcessing", unit="Count", value=1)
        logger.info("media deleted while it was processed; its objects are removed", extra={"media_id": str(item["id"])})


def _whole_seconds(seconds: float) -> int:
    """``media_items.duration_seconds`` is an integer: rounded half up, and at least 1 for any video."""
    return max(1, int(seconds + 0.5))


def _remove_resubmitted(ref: S3ObjectRef, status: str) -> None:
    """An original whose item is already ``ready`` or ``rejected``: the presigned POST form was
    submitted again while it was still valid (or its event was redelivered after the delete of a
    processed original). An item is processed once; nothing else may keep the file (it may carry
    the family's location), so it is deleted unread (issue 9, item 5)."""
    storage.delete(ref.bucket, ref.key)
    metrics.add_metric(name="MediaResubmissionDeleted", unit="Count", value=1)
    logger.info("original of an item already processed deleted", extra={"key": ref.key, "status": status})


def _remove_orphan(ref: S3ObjectRef) -> None:
    """An original that no item names: its item was deleted (before the file arrived, or before
    this redelivered event). Nothing may keep it (it carries the family's location): delete it,
    and anything a run interrupted after the delete left under its output folder."""
    settings = get_settings()
    ids = media_keys.ids_of_original(ref.key)
    if ids is None:
        storage.delete(ref.bucket, ref.key)
    else:
        media_keys.delete_objects(settings.media_bucket, ref.bucket, *ids, original=ref.key)
    logger.info("original of no media item deleted", extra={"key": ref.key})
