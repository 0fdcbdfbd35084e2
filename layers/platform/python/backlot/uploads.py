"""The claimed-upload processor: lease -> read -> process -> finish or reject, written once.

Every product that takes files by presigned POST (family's photos, music's audio, movies'
exports) handles an S3 ``ObjectCreated`` event the same way (ARCHITECTURE.md, "Triggers";
issue 9 item 7):

1. **claim** the row waiting for this object with a lease (one conditional UPDATE), so a
   duplicate event, or a second delivery while the first is still working, does nothing;
2. **read** the object (bounded: never more than ``max_bytes``, nor than the claim's own bound
   when the product gives ``max_bytes_of``, e.g. the size the client declared);
3. **process** the bytes (the product's check: audio, ZIP/CSV, image);
4. **finish** (record the result) or **reject** (record why; retrying cannot help: not audio,
   too large, gone) -- and in both cases the event is done, it is not retried;
5. on any other exception (S3 or PostgreSQL unavailable) **release** the lease and re-raise, so
   SQS redelivers the message and finally moves it to the dead-letter queue.

An object that nobody is waiting for (``claim`` returned None) goes to ``unclaimed``: a product
uses it to delete a reused upload form's object at once (issue 9 item 5) or to finish
something a previous delivery left half done.

The product passes its steps as plain callables, so the flow holds no SQL and no product
knowledge; the steps never run inside a database transaction of this module (it opens none), so
the rule "no S3 call inside a database transaction" is the product's to keep in its own steps.

Example (music)::

    steps = ClaimedUploadSteps(claim=..., process=read_audio_or_reject, finish=..., reject=...,
                               release=..., unclaimed=...)
    outcome = process_claimed_upload(ref, steps, max_bytes=settings.max_upload_bytes)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

from backlot import storage
from backlot.storage import S3ObjectRef

ClaimT = TypeVar("ClaimT")
ResultT = TypeVar("ResultT")

#: What :func:`process_claimed_upload` did with one object.
Outcome = Literal["finished", "rejected", "skipped"]


class UploadRejected(Exception):
    """The upload can never be processed: ``code`` (snake_case, stable, stored with the row) and a
    ``reason`` a person can read. Raised by a ``process`` step; never retried."""

    def __init__(self, code: str, reason: str):
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


def _nothing(ref: S3ObjectRef) -> None:
    return None


def _read(ref: S3ObjectRef, max_bytes: int) -> bytes:
    return storage.read_upload(ref, max_bytes=max_bytes)


@dataclass(frozen=True)
class ClaimedUploadSteps(Generic[ClaimT, ResultT]):
    """The product's half of the flow.

    Attributes:
        claim: ``ref -> claim | None``: lease the row waiting for ``ref.key`` (None: nothing to do).
        process: ``(claim, data) -> result``; raises :class:`UploadRejected` for bytes that can
            never be accepted, anything else for a transient failure.
        finish: ``(claim, result) -> None``: record the result (and move/delete objects after
            the database write, never inside a transaction).
        reject: ``(claim, UploadRejected) -> None``: record the reason, delete the object.
        release: ``(claim, exc) -> None``: give the lease back after a transient failure (and,
            on a last delivery, fail the row so it never waits forever).
        unclaimed: ``ref -> None``: an object nobody claimed (duplicate event, reused form,
            stray key).
        read: ``(ref, max_bytes) -> bytes``; default :func:`backlot.storage.read_upload`, whose
            :class:`~backlot.storage.UploadUnavailable` becomes a rejection.
        unavailable_codes: renames ``UploadUnavailable`` codes (``missing``, ``too_large``) to
            the product's own rejection codes.
        max_bytes_of: ``claim -> int | None``: this claim's own read bound (family: the size the
            client declared); ``read`` gets ``min(bound, max_bytes)``, and ``max_bytes`` when the
            bound is None or 0. Default: no bound of its own, ``read`` gets ``max_bytes``.
    """

    claim: Callable[[S3ObjectRef], ClaimT | None]
    process: Callable[[ClaimT, bytes], ResultT]
    finish: Callable[[ClaimT, ResultT], None]
    reject: Callable[[ClaimT, UploadRejected], None]
    release: Callable[[ClaimT, BaseException], None]
    unclaimed: Callable[[S3ObjectRef], None] = _nothing
    read: Callable[[S3ObjectRef, int], bytes] = _read
    unavailable_codes: Mapping[str, str] = field(default_factory=dict)
    max_bytes_of: Callable[[ClaimT], int | None] | None = None


def process_claimed_upload(ref: S3ObjectRef, steps: ClaimedUploadSteps[ClaimT, ResultT], *, max_bytes: int) -> Outcome:
    """Run one uploaded object through ``steps`` (see the module docstring).

    Returns:
        ``finished``, ``rejected`` or ``skipped`` (nothing claimed).

    Raises:
        Exception: whatever a step raised other than :class:`UploadRejected` /
            ``UploadUnavailable``, after ``release``: a transient failure, to be retried.
    """
    claim = steps.claim(ref)
    if claim is None:
        steps.unclaimed(ref)
        return "skipped"
    try:
        try:
            bound = steps.max_bytes_of(claim) if steps.max_bytes_of is not None else None
            data = steps.read(ref, min(bound or max_bytes, max_bytes))
            result = steps.process(claim, data)
        except storage.UploadUnavailable as gone:
            steps.reject(claim, UploadRejected(steps.unavailable_codes.get(gone.code, gone.code), gone.reason))
            return "rejected"
        except UploadRejected as rejected:
            steps.reject(claim, rejected)
            return "rejected"
        del data
        steps.finish(claim, result)
    except Exception as exc:
        steps.release(claim, exc)
        raise
    return "finished"
