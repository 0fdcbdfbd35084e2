"""Document 000's curl checklist (section 8), over HTTP against `backlot dev`, with real photos.

Everything goes through the local runtime as a client would: JWT authorizer, API Gateway events,
the S3 → SQS → media processor wiring read from the templates, and presigned URLs to the emulator.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.support.metadata import metadata_left

pytestmark = pytest.mark.e2e


def wait_for_media(client: httpx.Client, media_id: str, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        item = client.get(f"/family/api/v1/media/{media_id}/").json()
        if item["status"] != "pending" or time.monotonic() > deadline:
            return item
        time.sleep(0.3)


@pytest.fixture(scope="module")
def alice(dev_server) -> httpx.Client:
    client = httpx.Client(base_url=dev_server.url, headers={"Authorization": f"Bearer {dev_server.token('e2e-alice')}"}, timeout=30)
    yield client
    client.close()


@pytest.fixture(scope="module")
def household(alice: httpx.Client) -> str:
    res = alice.post("/family/api/v1/households/", json={"name": "E2E family"})
    assert res.status_code == 201, res.text
    return res.json()["id"]


@pytest.fixture(scope="module")
def members(dev_server, alice: httpx.Client, household: str) -> list[str]:
    """alice and bob, who joins by invitation: the document's ``["member1", "member2"]`` are members' user ids."""
    with httpx.Client(base_url=dev_server.url, headers={"Authorization": f"Bearer {dev_server.token('e2e-bob')}"}, timeout=30) as bob:
        bob_id = bob.get("/family/api/v1/me/").json()["user_id"]
        invited = alice.post(f"/family/api/v1/households/{household}/members/", json={"user_id": bob_id})
        assert invited.status_code in (200, 201), invited.text
        assert bob.get("/family/api/v1/households/").json()["households"] == []  # nothing before accepting
        accepted = bob.post(f"/family/api/v1/invitations/{invited.json()['id']}/accept/")
        assert accepted.status_code == 200 and accepted.json()["status"] == "accepted", accepted.text
        assert [h["id"] for h in bob.get("/family/api/v1/households/").json()["households"]] == [household]
    return [alice.get("/family/api/v1/me/").json()["user_id"], bob_id]


def test_document_checklist(alice: httpx.Client, household: str, members: list[str], shared_data: Path) -> None:
    # 1. Create Experience
    res = alice.post("/family/api/v1/experiences/", json={"household_id": household, "activity_name": "Park Picnic",
                                                          "participant_ids": members,
                                                          "start_at": "2024-01-15T14:00:00Z", "status": "planned"})
    assert res.status_code == 201, res.text
    experience = res.json()
    # 2. List Experiences
    listed = alice.get("/family/api/v1/experiences/", params={"household_id": household}).json()["experiences"]
    assert experience["id"] in [e["id"] for e in listed]
    # 3. Update Experience (mark as live)
    res = alice.patch(f"/family/api/v1/experiences/{experience['id']}/", json={"status": "live", "start_at": "2024-01-15T14:05:00Z"})
    assert res.status_code == 200 and res.json()["status"] == "live"
    # 4. Create Review
    res = alice.post(f"/family/api/v1/experiences/{experience['id']}/reviews/",
                     json={"household_id": household, "rating": 5, "effort_felt": "easy", "cleanup_felt": "moderate", "note": "Great time!"})
    assert res.status_code == 201, res.text
    # 5. Create Merry Moment
    res = alice.post("/family/api/v1/merry-moments/", json={"household_id": household, "title": "Park Picnic",
                                                            "participant_ids": members,
                                                            "occurred_at": "2024-01-15T14:00:00Z", "is_manual": False})
    assert res.status_code == 201, res.text
    moment = res.json()
    # 6. Upload Media: a real phone-orientation photo, with a caption, into the moment
    photo = shared_data / "images" / "orientation" / "Landscape_6.jpg"
    res = alice.post("/family/api/v1/media/upload/", files={"file": (photo.name, photo.read_bytes(), "image/jpeg")},
                     data={"household_id": household, "merry_moment_id": moment["id"], "caption": "Great day at the park!"})
    assert res.status_code == 201, res.text
    item = wait_for_media(alice, res.json()["id"])
    assert item["status"] == "ready", item
    assert (item["width_px"], item["height_px"]) == (1800, 1200)  # upright: stored 1200x1800 with Orientation 6
    # the moment now lists its photo
    assert alice.get(f"/family/api/v1/merry-moments/{moment['id']}/").json()["media_ids"] == [item["id"]]
    for field in ("file_url", "preview_url", "thumbnail_url"):
        fetched = httpx.get(item[field], timeout=30)
        assert fetched.status_code == 200
        assert metadata_left(fetched.content) == []
    # the moment's media through the list (addition), then deleted with every file
    listed = alice.get("/family/api/v1/media/", params={"household_id": household, "merry_moment_id": moment["id"]})
    assert listed.status_code == 200 and [m["id"] for m in listed.json()["media"]] == [item["id"]], listed.text
    assert alice.delete(f"/family/api/v1/media/{item['id']}/").status_code == 204
    assert alice.get(f"/family/api/v1/media/{item['id']}/").status_code == 404
    assert alice.get(f"/family/api/v1/merry-moments/{moment['id']}/").json()["media_ids"] == []
    assert all(httpx.get(item[field], timeout=30).status_code == 404 for field in ("file_url", "preview_url", "thumbnail_url"))


def test_every_real_photo_through_the_pipeline(alice: httpx.Client, household: str, shared_data: Path) -> None:
    uploads = {}
    for folder in ("orientation", "gps", "badexif", "formats", "broken"):
        for path in sorted((shared_data / "images" / folder).iterdir()):
            res = alice.post("/family/api/v1/media/upload/", files={"file": (path.name, path.read_bytes(), "application/octet-stream")},
                             data={"household_id": household})
            if folder == "broken" and res.status_code in (413, 415):
                assert res.json()["detail"]
                continue
            assert res.status_code == 201, (path, res.text)
            uploads[path] = res.json()["id"]
    problems = []
    for path, media_id in uploads.items():
        item = wait_for_media(alice, media_id)
        if path.parent.name == "broken":
            if item["status"] != "rejected" or not item["reason"] or item["file_url"]:
                problems.append(f"{path.name}: expected rejected, got {item}")
            continue
        if item["status"] != "ready":
            problems.append(f"{path.name}: {item['status']} {item.get('reason')}")
            continue
        for field in ("file_url", "preview_url", "thumbnail_url"):
            left = metadata_left(httpx.get(item[field], timeout=30).content)
            if left:
                problems.append(f"{path.name} {field}: {left}")
    assert problems == []


def test_presigned_upload_of_a_large_photo(alice: httpx.Client, household: str) -> None:
    import io

    from PIL import Image

    img = Image.effect_noise((4000, 3000), 64).convert("RGB")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (30.0, 37.0, 48.0), 3: "E", 4: (119.0, 44.0, 24.0)}
    out = io.BytesIO()
    img.save(out, "JPEG", quality=95, exif=exif)
    data = out.getvalue()
    assert len(data) > 4_400_000  # too large for the multipart endpoint
    assert alice.post("/family/api/v1/media/upload/", files={"file": ("big.jpg", data, "image/jpeg")},
                      data={"household_id": household}).status_code in (413,)
    ask = alice.post("/family/api/v1/media/uploads/", json={"household_id": household, "content_type": "image/jpeg", "size_bytes": len(data)})
    assert ask.status_code == 201, ask.text
    upload = ask.json()["upload"]
    res = httpx.post(upload["url"], data=upload["fields"], files={"file": ("big.jpg", data, "image/jpeg")}, timeout=60)
    assert res.status_code in (200, 201, 204), res.text
    item = wait_for_media(alice, ask.json()["media"]["id"])
    assert item["status"] == "ready" and (item["width_px"], item["height_px"]) == (4000, 3000)
    assert metadata_left(httpx.get(item["file_url"], timeout=30).content) == []


def test_reviews_move_suggestions_over_http(alice: httpx.Client, household: str) -> None:
    context = {"household_id": household, "weather": "rainy", "time_of_day": "afternoon", "limit": "50"}

    def rank(name: str) -> int:
        names = [s["activity_name"] for s in alice.get("/family/api/v1/suggestions/", params=context).json()["suggestions"]]
        return names.index(name)

    before = rank("Bowling")
    exp = alice.post("/family/api/v1/experiences/", json={"household_id": household, "activity_name": "Bowling", "weather": "rainy",
                                                          "start_at": "2024-02-03T15:00:00+01:00"}).json()
    assert alice.post(f"/family/api/v1/experiences/{exp['id']}/reviews/", json={"household_id": household, "rating": 5}).status_code == 201
    assert rank("Bowling") < before


def test_other_household_is_refused_over_http(dev_server, household: str) -> None:
    with httpx.Client(base_url=dev_server.url, headers={"Authorization": f"Bearer {dev_server.token('e2e-mallory')}"}) as mallory:
        assert mallory.get("/family/api/v1/experiences/", params={"household_id": household}).json()["experiences"] == []
        assert mallory.post("/family/api/v1/experiences/", json={"household_id": household}).status_code == 404
    assert httpx.get(f"{dev_server.url}/family/api/v1/experiences/").status_code == 401
