"""Videos through the real pipeline: a generated phone video with its location (multipart or
presigned POST) → S3 (emulator) → SQS → media processor → clean MP4, poster and thumbnail fetched
back by their URLs and checked for metadata. The videos are made with the bundled ffmpeg by the
helpers of ``tests/unit/family/test_media_video.py``."""

from __future__ import annotations

import io
import urllib.request
from pathlib import Path

import boto3
import httpx
import pytest
from PIL import Image

from tests.integration.family.conftest import UPLOADS, FamilyApi, MediaQueue, new_user
from tests.support.metadata import metadata_left
from tests.unit.family.test_media_video import (
    EXIFTOOL,
    SECRETS,
    box_types,
    exiftool_tags,
    location_tags,
    make_video,
    quadrant_colours,
    QUADRANTS,
    close,
)

pytestmark = pytest.mark.integration


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 - emulator on loopback
        return resp.read()


@pytest.fixture(scope="module", autouse=True)
def _no_poison_message(family_env: dict[str, str]) -> None:
    """Start from an empty media queue. ``test_media.py``'s malformed-message test leaves a body
    that is not an S3 event; it comes back (visibility timeout 1 s) until its third receive sends
    it to the dead-letter queue, and a ``media_queue`` drain that gets only that message fails."""
    boto3.client("sqs").purge_queue(QueueUrl=family_env["queue_url"])


@pytest.fixture()
def home(api: FamilyApi) -> tuple[str, str]:
    user = new_user()
    return user, api.household(user)


def assert_clean_video(item: dict, tmp_path: Path) -> bytes:
    """The ready item's clean MP4, poster and thumbnail carry no metadata; returns the MP4."""
    assert item["status"] == "ready", item
    assert item["mime_type"] == "video/mp4" and item["duration_seconds"] == 1
    clean = fetch(item["file_url"])
    assert clean[4:8] == b"ftyp" and item["file_size_bytes"] == len(clean)
    for secret in SECRETS:
        assert secret not in clean, secret
    kinds = {kind for _depth, kind in box_types(clean)}
    assert not kinds & {b"udta", b"meta", b"keys", b"ilst", b"\xa9xyz", b"loci"}, kinds
    if EXIFTOOL:
        assert location_tags(exiftool_tags(clean, tmp_path)) == []
    poster, thumb = fetch(item["preview_url"]), fetch(item["thumbnail_url"])
    assert metadata_left(poster) == [] and metadata_left(thumb) == []
    with Image.open(io.BytesIO(poster)) as img:
        assert img.size == (item["width_px"], item["height_px"])
    with Image.open(io.BytesIO(thumb)) as img:
        assert max(img.size) <= 200
    return clean


def test_phone_mov_with_location_comes_out_clean(api: FamilyApi, media_queue: MediaQueue, home, tmp_path: Path) -> None:
    user, household = home
    # an iPhone-style portrait clip: stored landscape with a display matrix, location in keys
    data = make_video(tmp_path, "IMG_0001.MOV", size=(240, 320), rotation=270, location="keys").read_bytes()
    assert b"+30.63" in data
    up = api.upload(data, household, user=user, filename="IMG_0001.MOV", content_type="video/quicktime", caption="Garden")
    assert up.status == 201, up.body
    assert up.body["status"] == "pending" and up.body["source_mime_type"] == "video/quicktime"
    media_queue.drain()
    item = api.get(f"/api/v1/media/{up.body['id']}/", user=user).body
    assert_clean_video(item, tmp_path)
    assert (item["width_px"], item["height_px"]) == (240, 320) and item["source_mime_type"] == "video/quicktime"
    colours = quadrant_colours(fetch(item["preview_url"]))
    assert all(close(got, want) for got, want in zip(colours, QUADRANTS)), colours  # upright
    assert boto3.client("s3").list_objects_v2(Bucket=UPLOADS, Prefix=f"originals/{household}/").get("KeyCount") == 0


def test_presigned_mp4_upload(api: FamilyApi, media_queue: MediaQueue, home, tmp_path: Path) -> None:
    user, household = home
    data = make_video(tmp_path, "clip.mp4", container="mp4", location="udta").read_bytes()
    ask = api.post("/api/v1/media/uploads/", {"household_id": household, "content_type": "video/mp4", "size_bytes": len(data)},
                   user=user)
    assert ask.status == 201, ask.body
    upload = ask.body["upload"]
    res = httpx.post(upload["url"], data=upload["fields"], files={"file": ("clip.mp4", data, "video/mp4")})
    assert res.status_code in (200, 201, 204), res.text
    media_queue.drain()
    item = api.get(f"/api/v1/media/{ask.body['media']['id']}/", user=user).body
    assert_clean_video(item, tmp_path)
    assert (item["width_px"], item["height_px"]) == (320, 240)


def test_other_video_types_are_refused_at_the_door(api: FamilyApi, home) -> None:
    user, household = home
    webm = api.post("/api/v1/media/uploads/", {"household_id": household, "content_type": "video/webm", "size_bytes": 1000},
                    user=user)
    assert webm.status == 415 and webm.body["code"] == "not_an_image"
    mkv = b"\x1a\x45\xdf\xa3" + b"\x00" * 100  # Matroska/WebM magic
    res = api.upload(mkv, household, user=user, filename="clip.webm", content_type="video/webm")
    assert res.status == 415 and res.body["code"] == "not_an_image"


def test_truncated_video_is_rejected_with_a_reason(api: FamilyApi, media_queue: MediaQueue, home, tmp_path: Path) -> None:
    user, household = home
    data = make_video(tmp_path, "cut.mov", seconds=2).read_bytes()
    up = api.upload(data[: len(data) // 2], household, user=user, filename="cut.mov", content_type="video/quicktime")
    assert up.status == 201, up.body  # a video by its bytes: only the processor can tell it is cut
    media_queue.drain()
    item = api.get(f"/api/v1/media/{up.body['id']}/", user=user).body
    assert item["status"] == "rejected" and item["reason_code"] == "truncated" and item["reason"], item
    assert item["file_url"] is None and item["thumbnail_url"] is None
    assert media_queue.receive(wait=0) == []
