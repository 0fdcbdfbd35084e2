"""One upload, one object (issue 9, item 5) and check-then-insert races (item 6), on real
PostgreSQL, the emulator (moto) and the real media processor."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from pathlib import Path

import boto3
import httpx
import psycopg
import pytest

from tests.integration.family.conftest import UPLOADS, FamilyApi, MediaQueue, new_user

pytestmark = pytest.mark.integration


def originals(household: str) -> list[str]:
    listed = boto3.client("s3").list_objects_v2(Bucket=UPLOADS, Prefix=f"originals/{household}/")
    return [o["Key"] for o in listed.get("Contents", [])]


def test_a_presigned_form_submitted_again_leaves_no_original(api: FamilyApi, media_queue: MediaQueue, shared_data: Path) -> None:
    """Old main: the second POST of the form stored a new original (a photo with GPS) that the
    processor skipped ("nothing to do") and never deleted."""
    user = new_user()
    home = api.household(user)
    data = (shared_data / "images/gps/exif_gps.jpg").read_bytes()
    ask = api.post("/api/v1/media/uploads/", {"household_id": home, "content_type": "image/jpeg", "size_bytes": len(data)},
                   user=user).body
    upload = ask["upload"]
    first = httpx.post(upload["url"], data=upload["fields"], files={"file": ("x.jpg", data, "image/jpeg")})
    assert first.status_code in (200, 201, 204), first.text
    media_queue.drain()
    assert api.get(f"/api/v1/media/{ask['media']['id']}/", user=user).body["status"] == "ready"
    assert originals(home) == []
    again = httpx.post(upload["url"], data=upload["fields"], files={"file": ("x.jpg", data, "image/jpeg")})
    assert again.status_code in (200, 201, 204), again.text
    assert originals(home)  # stored by S3...
    media_queue.drain()
    assert originals(home) == []  # ...and deleted by the processor at once
    assert api.get(f"/api/v1/media/{ask['media']['id']}/", user=user).body["status"] == "ready"


def test_each_presigned_upload_has_its_own_key_and_the_declared_size_bound(api: FamilyApi) -> None:
    """Old main: the key was the media item's (``originals/<h>/<id>``) and the policy bounded the
    configured maximum (50 MB) whatever size was declared."""
    user = new_user()
    home = api.household(user)
    asks = [api.post("/api/v1/media/uploads/", {"household_id": home, "content_type": "image/jpeg", "size_bytes": 1234},
                     user=user).body for _ in range(2)]
    upload_keys = [a["upload"]["fields"]["key"] for a in asks]
    assert len(set(upload_keys)) == 2
    for ask, key in zip(asks, upload_keys):
        prefix, media_id, upload_id = key.rsplit("/", 2)
        assert prefix == f"originals/{home}" and media_id == ask["media"]["id"] and uuid.UUID(upload_id)
        policy = json.loads(base64.b64decode(ask["upload"]["fields"]["policy"]))
        assert ["content-length-range", 1, 1234] in policy["conditions"]
        assert ask["upload"]["max_bytes"] == 1234


def test_the_declared_size_is_enforced(api: FamilyApi, media_queue: MediaQueue, shared_data: Path) -> None:
    user = new_user()
    home = api.household(user)
    data = (shared_data / "images/orientation/Landscape_5.jpg").read_bytes()
    ask = api.post("/api/v1/media/uploads/", {"household_id": home, "content_type": "image/jpeg", "size_bytes": 100},
                   user=user).body
    res = httpx.post(ask["upload"]["url"], data=ask["upload"]["fields"], files={"file": ("x.jpg", data, "image/jpeg")})
    # S3 refuses it (EntityTooLarge) by the policy; the emulator does not check policies, so the
    # processor holds the same bound: a file over the declared size is rejected and deleted
    if res.status_code in (200, 201, 204):
        media_queue.drain()
        item = api.get(f"/api/v1/media/{ask['media']['id']}/", user=user).body
        assert item["status"] == "rejected" and item["reason_code"] == "too_large", item
    else:
        assert res.status_code == 400 and "EntityTooLarge" in res.text, res.text
    assert originals(home) == []


# ---------------------------------------------------------------- races: check, then insert
def lose_after_check(monkeypatch: pytest.MonkeyPatch, database_url: str, check: str, table: str) -> None:
    """Make ``repository.<check>(conn, row_id, household_id)`` answer as it does, then delete the
    row from another thread and connection and wait for that commit: a concurrent request
    deleting it between the service's check and its insert."""
    from family import repository

    real = getattr(repository, check)

    def check_then_lose_it(conn, row_id, household_id):
        found = real(conn, row_id, household_id)

        def delete() -> None:
            with psycopg.connect(database_url, autocommit=True) as other:
                other.execute(f"DELETE FROM {table} WHERE id = %s", (row_id,))
        worker = threading.Thread(target=delete)
        worker.start()
        worker.join()
        return found

    monkeypatch.setattr(repository, check, check_then_lose_it)


@pytest.mark.parametrize("target", ["moment", "media", "presigned"])
def test_an_experience_deleted_between_check_and_insert_is_a_400(api: FamilyApi, database_url: str, monkeypatch, target: str) -> None:
    """Old main: 500 (foreign key violation). The check passes, another request deletes the
    experience, then the insert runs."""
    user = new_user()
    home = api.household(user)
    exp = api.post("/api/v1/experiences/", {"household_id": home, "activity_name": "Zoo"}, user=user).body["id"]
    lose_after_check(monkeypatch, database_url, "experience_in_household", "family.experiences")
    if target == "moment":
        res = api.post("/api/v1/merry-moments/", {"household_id": home, "title": "x", "occurred_at": "2024-01-01T10:00:00Z",
                                                  "experience_id": exp}, user=user)
    elif target == "media":
        from tests.integration.family.test_media import tiny_jpeg

        res = api.upload(tiny_jpeg(), home, user=user, experience_id=exp)
    else:
        res = api.post("/api/v1/media/uploads/", {"household_id": home, "content_type": "image/jpeg", "size_bytes": 10,
                                                  "experience_id": exp}, user=user)
    assert res.status == 400 and res.body["code"] == "unknown_experience", res.body


def test_a_moment_deleted_between_check_and_media_insert_is_a_400(api: FamilyApi, database_url: str, monkeypatch) -> None:
    user = new_user()
    home = api.household(user)
    moment = api.post("/api/v1/merry-moments/", {"household_id": home, "title": "x", "occurred_at": "2024-01-01T10:00:00Z"},
                      user=user).body["id"]
    lose_after_check(monkeypatch, database_url, "moment_in_household", "family.merry_moments")
    res = api.post("/api/v1/media/uploads/", {"household_id": home, "content_type": "image/jpeg", "size_bytes": 10,
                                              "merry_moment_id": moment}, user=user)
    assert res.status == 400 and res.body["code"] == "unknown_moment", res.body


def test_concurrent_deletes_and_links_never_500(api: FamilyApi) -> None:
    """Threads: moments, reviews and presigned uploads linking experiences that other threads delete."""
    from concurrent.futures import ThreadPoolExecutor

    from family import service
    from family.schemas import MerryMomentCreate, ReviewCreate
    from tests.integration.family.test_hostile import _principal

    user = new_user()
    home = api.household(user)
    who = _principal(user)
    exps = [api.post("/api/v1/experiences/", {"household_id": home, "activity_name": f"E{i}"}, user=user).body["id"] for i in range(12)]

    def link(i: int) -> str:
        exp = uuid.UUID(exps[i // 3])
        try:
            if i % 3 == 0:
                service.delete_experience(who, exp)
            elif i % 3 == 1:
                service.create_moment(who, MerryMomentCreate(household_id=home, title="x", occurred_at="2024-01-01T10:00:00Z",
                                                             experience_id=exp))
            else:
                service.create_review(who, exp, ReviewCreate(household_id=home, rating=3))
            return "ok"
        except Exception as exc:  # noqa: BLE001
            status = getattr(exc, "status", 500)
            return "4xx" if 400 <= status < 500 else f"500 {exc!r}"
        finally:
            from backlot import db
            db.reset()

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(link, range(len(exps) * 3)))
    assert not [r for r in results if r.startswith("500")], results
