"""Where a media item's objects live in S3, and removing them all (no Pillow, no FastAPI: the API
functions and the media processor both import this).

- uploads bucket: the original, ``originals/<household>/<media id>/<upload id>`` (deleted once
  processed; the upload id is new for every upload, so no two uploads share a key);
- media bucket: everything the processor writes, under ``media/<household>/<media id>/``
  (``file.<ext>``, ``preview.jpg``, ``thumbnail.jpg``).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from backlot import storage

ORIGINALS_PREFIX = "originals/"
MEDIA_PREFIX = "media/"
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "video/mp4": "mp4"}


def original_key(household_id: UUID | str, media_id: UUID | str, upload_id: UUID | str | None = None) -> str:
    """Where an original lands in the uploads bucket: ``originals/<household>/<media id>/<upload id>``,
    a new ``upload_id`` (random) for every upload (issue 9, item 5: one upload, one object)."""
    return f"{ORIGINALS_PREFIX}{household_id}/{media_id}/{upload_id or uuid4()}"


def ids_of_original(key: str) -> tuple[UUID, UUID] | None:
    """``(household_id, media_id)`` of an original's key (``originals/<h>/<m>/<upload>``, or
    ``originals/<h>/<m>`` as items made before per-upload keys have it), or None when ``key`` is
    not one."""
    parts = key.split("/")
    if len(parts) not in (3, 4) or parts[0] + "/" != ORIGINALS_PREFIX:
        return None
    try:
        return UUID(parts[1]), UUID(parts[2])
    except ValueError:
        return None


def output_prefix(household_id: UUID | str, media_id: UUID | str) -> str:
    """The folder of the item's outputs in the media bucket: ``media/<household>/<media id>/``."""
    return f"{MEDIA_PREFIX}{household_id}/{media_id}/"


def household_prefix(household_id: UUID | str) -> str:
    """The folder of all of a household's outputs in the media bucket: ``media/<household>/``."""
    return f"{MEDIA_PREFIX}{household_id}/"


def output_keys(item: dict[str, Any], clean_mime_type: str) -> dict[str, str]:
    """Keys of the outputs in the media bucket: ``media/<household>/<id>/{file.<ext>,preview.jpg,thumbnail.jpg}``."""
    base = output_prefix(item["household_id"], item["id"])
    return {
        "file_key": f"{base}file.{EXTENSIONS.get(clean_mime_type, 'bin')}",
        "preview_key": f"{base}preview.jpg",
        "thumbnail_key": f"{base}thumbnail.jpg",
    }


def delete_objects(media_bucket: str, uploads_bucket: str, household_id: UUID | str, media_id: UUID | str,
                   extra_media_keys: list[str] | tuple[str, ...] = (), original: str | None = None) -> None:
    """Delete every object of one media item: all that is under its output folder in the media
    bucket (whatever a processor wrote, even a partial run), ``extra_media_keys`` (keys a row
    names, should one ever lie outside the folder), and its original in the uploads bucket.
    Objects already gone are no error, so this is safe to repeat (see :func:`delete_under`)."""
    delete_under(media_bucket, uploads_bucket, output_prefix(household_id, media_id),
                 media_keys=extra_media_keys, original_keys=[original] if original else [])


def delete_under(media_bucket: str, uploads_bucket: str, media_prefix: str, *,
                 media_keys: list[str] | tuple[str, ...] = (), original_keys: list[str] | tuple[str, ...] = ()) -> None:
    """Delete everything under ``media_prefix`` in the media bucket (one item's folder, or a whole
    household's), ``media_keys`` there, and ``original_keys`` in the uploads bucket. Objects
    already gone are no error, so this is safe to repeat.

    Needs ``s3:ListBucket`` on the media bucket and ``s3:DeleteObject`` on both buckets.

    Raises:
        botocore.exceptions.ClientError: S3 refused a listing or a deletion (the caller retries).
        RuntimeError: S3 answered that some keys could not be deleted.
    """
    client = storage.s3_client()
    keys = {k for k in media_keys if k}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=media_bucket, Prefix=media_prefix):
        keys.update(obj["Key"] for obj in page.get("Contents") or [])
    _delete_keys(client, media_bucket, sorted(keys))
    _delete_keys(client, uploads_bucket, sorted({k for k in original_keys if k}))


def _delete_keys(client: Any, bucket: str, ordered: list[str]) -> None:
    for start in range(0, len(ordered), 1000):  # DeleteObjects takes up to 1000 keys
        chunk = ordered[start:start + 1000]
        result = client.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True})
        if result.get("Errors"):
            failed = ", ".join(f"{e.get('Key')}: {e.get('Code')}" for e in result["Errors"])
            raise RuntimeError(f"could not delete objects: {failed}")
