"""Media through the real pipeline: multipart or presigned upload → S3 (emulator) → SQS → media
processor → clean copy, preview and thumbnail fetched back over HTTP and checked for metadata."""

from __future__ import annotations

import io
import urllib.request
from pathlib import Path

import boto3
import pytest
from PIL import Image

from tests.integration.family.conftest import UPLOADS, FamilyApi, MediaQueue, new_user
from tests.support.metadata import metadata_left

pytestmark = pytest.mark.integration


def tiny_jpeg(size: tuple[int, int] = (64, 48), gps: bool = True) -> bytes:
    img = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 CW to display
    if gps:
        exif[0x8825] = {1: "N", 2: (30.0, 37.0, 48.0), 3: "E", 4: (119.0, 44.0, 24.0)}
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 - emulator on loopback
        return resp.read()


def process(api: FamilyApi, queue: MediaQueue, media_id: str, user: str) -> dict:
    queue.drain()
    return api.get(f"/api/v1/media/{media_id}/", user=user).body


@pytest.fixture()
def home(api: FamilyApi) -> tuple[str, str]:
    user = new_user()
    return user, api.household(user)


def test_upload_is_pending_then_ready_without_gps(api: FamilyApi, media_queue: MediaQueue, home) -> None:
    user, household = home
    up = api.upload(tiny_jpeg(), household, user=user, caption="Great day at the park!")
    assert up.status == 201, up.body
    assert up.body["status"] == "pending" and up.body["file_url"] is None and up.body["caption"] == "Great day at the park!"
    item = process(api, media_queue, up.body["id"], user)
    assert item["status"] == "ready", item
    assert (item["width_px"], item["height_px"]) == (48, 64)  # upright after orientation 6
    clean, thumb = fetch(item["file_url"]), fetch(item["thumbnail_url"])
    assert metadata_left(clean) == [] and metadata_left(thumb) == []
    assert max(Image.open(io.BytesIO(thumb)).size) <= 200
    # the original is gone from the uploads bucket
    assert boto3.client("s3").list_objects_v2(Bucket=UPLOADS, Prefix=f"originals/{household}/").get("KeyCount") == 0


def test_same_event_twice_does_the_work_once(api: FamilyApi, media_queue: MediaQueue, home) -> None:
    user, household = home
    up = api.upload(tiny_jpeg(), household, user=user).body
    messages = media_queue.receive()
    assert len(messages) == 1
    first = media_queue.deliver(messages)
    ready = api.get(f"/api/v1/media/{up['id']}/", user=user).body
    second = media_queue.deliver(messages)  # the same S3 event again
    again = api.get(f"/api/v1/media/{up['id']}/", user=user).body
    assert first["batchItemFailures"] == [] and second["batchItemFailures"] == []
    assert ready["status"] == "ready" and again["processed_at"] == ready["processed_at"]


def test_non_image_refused_at_once(api: FamilyApi, home) -> None:
    user, household = home
    res = api.upload(b"%PDF-1.4 not a photo", household, user=user, filename="photo.jpg", content_type="image/jpeg")
    assert res.status == 415 and res.body["code"] == "not_an_image"
    assert api.upload(b"", household, user=user).status == 400


def test_presigned_post_upload(api: FamilyApi, media_queue: MediaQueue, home, shared_data: Path) -> None:
    user, household = home
    data = (shared_data / "images/orientation/Landscape_5.jpg").read_bytes()
    ask = api.post("/api/v1/media/uploads/", {"household_id": household, "content_type": "image/jpeg", "size_bytes": len(data)},
                   user=user)
    assert ask.status == 201, ask.body
    upload = ask.body["upload"]
    import httpx

    res = httpx.post(upload["url"], data=upload["fields"], files={"file": ("x.jpg", data, "image/jpeg")})
    assert res.status_code in (200, 201, 204), res.text
    item = process(api, media_queue, ask.body["media"]["id"], user)
    assert item["status"] == "ready" and (item["width_px"], item["height_px"]) == (1800, 1200)
    assert metadata_left(fetch(item["file_url"])) == []
    too_big = api.post("/api/v1/media/uploads/", {"household_id": household, "content_type": "image/jpeg",
                                                  "size_bytes": 10**10}, user=user)
    assert too_big.status == 413


def test_real_photos_come_out_clean_and_upright(api: FamilyApi, media_queue: MediaQueue, home, shared_data: Path) -> None:
    user, household = home
    folders = ["orientation", "gps", "badexif", "formats"]
    uploaded = {}
    for folder in folders:
        for path in sorted((shared_data / "images" / folder).iterdir()):
            res = api.upload(path.read_bytes(), household, user=user, filename=path.name)
            assert res.status == 201, (path, res.body)
            uploaded[path] = res.body["id"]
    media_queue.drain()
    problems = []
    for path, media_id in uploaded.items():
        item = api.get(f"/api/v1/media/{media_id}/", user=user).body
        if item["status"] != "ready":
            problems.append(f"{path.name}: {item['status']} {item.get('reason')}")
            continue
        for field in ("file_url", "preview_url", "thumbnail_url"):
            data = fetch(item[field])
            left = metadata_left(data)
            if left:
                problems.append(f"{path.name} {field}: {left}")
        with Image.open(io.BytesIO(fetch(item["thumbnail_url"]))) as thumb:
            if max(thumb.size) > 200:
                problems.append(f"{path.name}: thumbnail {thumb.size}")
        if path.parent.name == "orientation":
            expected = (1800, 1200) if path.name.startswith("Landscape") else (1200, 1800)
            if (item["width_px"], item["height_px"]) != expected:
                problems.append(f"{path.name}: {item['width_px']}x{item['height_px']} != {expected}")
    assert problems == []


def test_broken_files_are_rejected_with_a_reason(api: FamilyApi, media_queue: MediaQueue, home, shared_data: Path) -> None:
    user, household = home
    good = api.upload(tiny_jpeg(), household, user=user).body["id"]
    broken = {}
    for path in sorted((shared_data / "images" / "broken").iterdir()):
        res = api.upload(path.read_bytes(), household, user=user, filename=path.name)
        if res.status == 201:
            broken[path.name] = res.body["id"]
        else:
            assert res.status in (413, 415), res.body  # refused at the door, with a reason
            assert res.body["detail"]
    media_queue.drain()
    for name, media_id in broken.items():
        item = api.get(f"/api/v1/media/{media_id}/", user=user).body
        assert item["status"] == "rejected" and item["reason"] and item["file_url"] is None, (name, item)
    assert api.get(f"/api/v1/media/{good}/", user=user).body["status"] == "ready"
    assert media_queue.receive(wait=0) == []


def test_malformed_queue_message_fails_only_its_record(api: FamilyApi, media_queue: MediaQueue, family_env, home) -> None:
    user, household = home
    up = api.upload(tiny_jpeg(), household, user=user).body
    boto3.client("sqs").send_message(QueueUrl=family_env["queue_url"], MessageBody="this is not an S3 event")
    messages: list[dict] = []
    for _ in range(10):  # both messages, whatever order and batches the queue hands them out in
        messages += media_queue.receive()
        if len(messages) >= 2:
            break
    bad = [m for m in messages if m["Body"] == "this is not an S3 event"]
    real = [m for m in messages if up["id"] in m["Body"]]
    assert len(bad) == 1 and len(real) == 1
    result = media_queue.deliver(real + bad)
    assert [f["itemIdentifier"] for f in result["batchItemFailures"]] == [bad[0]["MessageId"]]
    assert api.get(f"/api/v1/media/{up['id']}/", user=user).body["status"] == "ready"
    boto3.client("sqs").delete_message(QueueUrl=family_env["queue_url"], ReceiptHandle=bad[0]["ReceiptHandle"])
