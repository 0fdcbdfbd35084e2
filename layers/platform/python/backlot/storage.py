"""S3: presigned POSTs whose policy bounds size and type, presigned GETs, object I/O.

boto3 reads ``AWS_ENDPOINT_URL`` itself, so the same code talks to the local emulator.
Presigned POST policy conditions follow the S3 docs ("Creating a POST policy"):
``content-length-range`` bounds the size in bytes, ``Content-Type`` pins the declared type.
The processor still checks the bytes: the declared type is never trusted.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus



@functools.lru_cache(maxsize=1)
def s3_client() -> Any:
    """The process-wide S3 client (SigV4, so presigned URLs work in every region).

    boto3 is imported here, on first use, so functions that never touch S3 do not pay its
    import time on a cold start.
    """
    import boto3
    from botocore.config import Config

    return boto3.client("s3", config=Config(signature_version="s3v4", retries={"mode": "standard"}))


@dataclass(frozen=True)
class PresignedPost:
    """A browser/app upload target: POST ``url`` as multipart with ``fields`` then ``file`` last."""

    url: str
    fields: dict[str, str]
    key: str
    expires_in: int
    max_bytes: int


def presigned_post(bucket: str, key: str, *, content_type: str, max_bytes: int, expires_in: int = 900) -> PresignedPost:
    """Presign an upload of one object of at most ``max_bytes`` bytes with the given Content-Type.

    Args:
        bucket, key: where the object goes.
        content_type: the one declared type the policy accepts.
        max_bytes: upper bound of ``content-length-range`` (bytes).
        expires_in: seconds the policy is valid.
    """
    post = s3_client().generate_presigned_post(
        Bucket=bucket,
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
        ExpiresIn=expires_in,
    )
    return PresignedPost(url=post["url"], fields=post["fields"], key=key, expires_in=expires_in, max_bytes=max_bytes)


def presigned_get(bucket: str, key: str, *, expires_in: int = 3600) -> str:
    """A URL that lets its holder GET one object for ``expires_in`` seconds."""
    return s3_client().generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_in)


def put_bytes(bucket: str, key: str, data: bytes, *, content_type: str, metadata: dict[str, str] | None = None) -> None:
    """Write one object."""
    s3_client().put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type, Metadata=metadata or {})


def get_bytes(bucket: str, key: str, *, max_bytes: int | None = None) -> bytes:
    """Read one object whole.

    Raises:
        ValueError: the object is larger than ``max_bytes`` (checked before reading).
        botocore.exceptions.ClientError: e.g. ``NoSuchKey``.
    """
    obj = s3_client().get_object(Bucket=bucket, Key=key)
    if max_bytes is not None and obj["ContentLength"] > max_bytes:
        obj["Body"].close()
        raise ValueError(f"object is {obj['ContentLength']} bytes, over the limit of {max_bytes}")
    return obj["Body"].read()


def object_exists(bucket: str, key: str) -> bool:
    """Whether ``key`` is in ``bucket``, asked with a one-key listing: it takes only
    ``s3:ListBucket``, never the right to read the object."""
    found = s3_client().list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1).get("Contents") or []
    return bool(found) and found[0]["Key"] == key


def delete(bucket: str, key: str) -> None:
    """Delete one object (no error if it is already gone)."""
    s3_client().delete_object(Bucket=bucket, Key=key)


@dataclass(frozen=True)
class S3ObjectRef:
    """One object named by an S3 event record: ``key`` is URL-decoded (``+`` is a space)."""

    bucket: str
    key: str
    size: int | None
    etag: str | None
    sequencer: str | None
    event_name: str


def object_refs_from_s3_event(event: dict[str, Any]) -> list[S3ObjectRef]:
    """Return the objects of an S3 event notification (``ObjectCreated:*`` records only).

    ``s3:TestEvent`` messages carry no ``Records`` and yield an empty list. Keys are URL-encoded
    in the event (S3 docs, "Event message structure") and decoded here with ``unquote_plus``.
    """
    refs = []
    for record in event.get("Records") or []:
        name = record.get("eventName", "")
        if not name.startswith("ObjectCreated"):
            continue
        s3 = record["s3"]
        obj = s3["object"]
        refs.append(
            S3ObjectRef(
                bucket=s3["bucket"]["name"],
                key=unquote_plus(obj["key"]),
                size=obj.get("size"),
                etag=obj.get("eTag"),
                sequencer=obj.get("sequencer"),
                event_name=name,
            )
        )
    return refs


class UploadUnavailable(Exception):
    """An uploaded object that cannot be processed, ever: ``code`` ``missing`` or ``too_large``."""

    def __init__(self, code: str, reason: str):
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


def read_upload(ref: S3ObjectRef, *, max_bytes: int) -> bytes:
    """Read an uploaded object named by an S3 event, at most ``max_bytes`` bytes.

    Raises:
        UploadUnavailable: it is gone (``missing``) or over the limit (``too_large``): retrying
            cannot help, so the caller rejects the upload.
        botocore.exceptions.ClientError: other S3 errors, transient, to be retried.
    """
    from botocore.exceptions import ClientError

    try:
        return get_bytes(ref.bucket, ref.key, max_bytes=max_bytes)
    except ValueError as exc:
        raise UploadUnavailable("too_large", str(exc)) from exc
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            raise UploadUnavailable("missing", "the uploaded file is gone") from exc
        raise
