"""backlot.uploads: the claimed-upload flow with fake steps (no S3, no database)."""

from __future__ import annotations

import pytest

from backlot.storage import S3ObjectRef, UploadUnavailable
from backlot.uploads import ClaimedUploadSteps, UploadRejected, process_claimed_upload

REF = S3ObjectRef(bucket="b", key="uploads/x/y", size=3, etag=None, sequencer=None, event_name="ObjectCreated:Post")


def steps(log: list, *, claim=True, data=b"abc", process=None, finish=None, codes=None, max_bytes_of=None) -> ClaimedUploadSteps:
    def read(ref, max_bytes):
        log.append(("read", max_bytes))
        if isinstance(data, Exception):
            raise data
        return data

    def default_process(claim, data):
        return data.upper()

    return ClaimedUploadSteps(
        claim=lambda ref: {"id": 1} if claim else None,
        process=process or default_process,
        finish=finish or (lambda c, r: log.append(("finish", r))),
        reject=lambda c, rej: log.append(("reject", rej.code)),
        release=lambda c, exc: log.append(("release", type(exc).__name__)),
        unclaimed=lambda ref: log.append(("unclaimed", ref.key)),
        read=read,
        unavailable_codes=codes or {},
        max_bytes_of=max_bytes_of,
    )


def test_finished() -> None:
    log: list = []
    assert process_claimed_upload(REF, steps(log), max_bytes=10) == "finished"
    assert log == [("read", 10), ("finish", b"ABC")]


def test_nothing_claimed_goes_to_unclaimed_and_reads_nothing() -> None:
    log: list = []
    assert process_claimed_upload(REF, steps(log, claim=False), max_bytes=10) == "skipped"
    assert log == [("unclaimed", "uploads/x/y")]


def test_rejections_are_recorded_not_raised() -> None:
    def bad(claim, data):
        raise UploadRejected("not_audio", "no")

    log: list = []
    assert process_claimed_upload(REF, steps(log, process=bad), max_bytes=10) == "rejected"
    assert log[-1] == ("reject", "not_audio")
    log = []
    gone = UploadUnavailable("missing", "gone")
    assert process_claimed_upload(REF, steps(log, data=gone, codes={"missing": "upload_missing"}), max_bytes=10) == "rejected"
    assert log[-1] == ("reject", "upload_missing")


def test_a_transient_failure_releases_the_lease_and_raises() -> None:
    def boom(claim, result):
        raise ConnectionError("db down")

    log: list = []
    with pytest.raises(ConnectionError):
        process_claimed_upload(REF, steps(log, finish=boom), max_bytes=10)
    assert log[-1] == ("release", "ConnectionError")


@pytest.mark.parametrize(("declared", "read_bound"), [(4, 4), (50, 10), (None, 10), (0, 10)])
def test_the_claim_bounds_the_read_never_above_max_bytes(declared, read_bound) -> None:
    """``max_bytes_of`` (family: the size the client declared) lowers the read bound, never raises
    it; None or 0 means no bound of its own."""
    log: list = []
    claimed: list = []

    def declared_size(claim):
        claimed.append(claim)
        return declared

    assert process_claimed_upload(REF, steps(log, max_bytes_of=declared_size), max_bytes=10) == "finished"
    assert claimed == [{"id": 1}]
    assert log[0] == ("read", read_bound)
