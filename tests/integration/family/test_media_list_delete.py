"""Listing a household's media and deleting an item, through the real pipeline (PostgreSQL, S3 and
SQS in the emulator, the media processor): the list walks every item once with its filters, and a
delete leaves neither the row nor any object in either bucket, even when the processor runs at the
same time or after it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import httpx
import psycopg
import pytest

from tests.integration.family.conftest import MEDIA, UPLOADS, FamilyApi, MediaQueue, new_user
from tests.integration.family.test_media import fetch, tiny_jpeg

pytestmark = pytest.mark.integration

URL_FIELDS = ("file_url", "preview_url", "thumbnail_url")


def keys(bucket: str, household: str, media_id: str | None = None) -> list[str]:
    """Every key the item (or with no id, the household) has in ``bucket``."""
    folder = "originals" if bucket == UPLOADS else "media"
    prefix = f"{folder}/{household}/" + (f"{media_id}" if media_id else "")
    pages = boto3.client("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return sorted(obj["Key"] for page in pages for obj in page.get("Contents") or [])


def walk(api: FamilyApi, user: str, query: dict[str, Any], limit: int) -> list[dict]:
    """Every item of ``GET /media/`` with ``query``, page by page; checks each page's size."""
    items: list[dict] = []
    cursor = None
    for _ in range(100):
        res = api.get("/api/v1/media/", query=query | {"limit": str(limit)} | ({"cursor": cursor} if cursor else {}), user=user)
        assert res.status == 200, res.body
        assert set(res.body) == {"media", "next_cursor"}
        assert len(res.body["media"]) <= limit
        items += res.body["media"]
        cursor = res.body["next_cursor"]
        if cursor is None:
            return items
        assert len(res.body["media"]) == limit
    raise AssertionError("paging does not end")


def ids(items: list[dict]) -> list[str]:
    return [item["id"] for item in items]


def deliver_event_of(queue: MediaQueue, media_id: str) -> dict:
    """Deliver the S3 event of ``media_id``'s original (and whatever else is waiting) to the processor."""
    messages: list[dict] = []
    for _ in range(10):
        messages += queue.receive()
        if any(media_id in m["Body"] for m in messages):
            break
    assert any(media_id in m["Body"] for m in messages), "no S3 event for the item"
    return queue.deliver(messages)


@pytest.fixture()
def family(api: FamilyApi) -> dict[str, str]:
    """A household of alice and bob, with an experience and a moment."""
    alice, bob = new_user(), new_user()
    home = api.household(alice)
    api.join(home, alice, bob)
    exp = api.post("/api/v1/experiences/", {"household_id": home, "activity_name": "Zoo"}, user=alice).body["id"]
    moment = api.post("/api/v1/merry-moments/", {"household_id": home, "title": "Zoo", "occurred_at": "2024-05-01T10:00:00Z"},
                      user=alice).body["id"]
    return {"alice": alice, "bob": bob, "home": home, "exp": exp, "moment": moment}


# ---------------------------------------------------------------- list
def test_list_walks_every_item_once_newest_first_with_filters(api: FamilyApi, media_queue: MediaQueue, family: dict,
                                                              database_url: str) -> None:
    a, bob, home, exp, moment = family["alice"], family["bob"], family["home"], family["exp"], family["moment"]
    plain = [api.upload(tiny_jpeg(), home, user=a).body["id"] for _ in range(3)]
    in_moment = [api.upload(tiny_jpeg(), home, user=bob, merry_moment_id=moment).body["id"] for _ in range(2)]
    of_exp = [api.upload(tiny_jpeg(), home, user=a, experience_id=exp).body["id"] for _ in range(2)]
    broken = api.upload(tiny_jpeg()[:300], home, user=a).body["id"]  # a JPEG by its bytes, but truncated: rejected
    media_queue.drain()
    pending = [api.upload(tiny_jpeg(), home, user=a, experience_id=exp).body["id"] for _ in range(2)]  # not processed
    # a moment created with some of the media: the moment filter lists them too, as its media_ids do
    given = api.post("/api/v1/merry-moments/", {"household_id": home, "title": "Best of", "occurred_at": "2024-05-02T10:00:00Z",
                                                "media_ids": [plain[0], of_exp[1]]}, user=a).body["id"]
    with psycopg.connect(database_url, autocommit=True) as conn:  # two items created at the same instant: the id breaks the tie
        conn.execute("UPDATE family.media_items SET created_at = (SELECT created_at FROM family.media_items WHERE id = %s) "
                     "WHERE id = %s", (plain[1], plain[2]))
        expected = [str(r[0]) for r in conn.execute(
            "SELECT id FROM family.media_items WHERE household_id = %s ORDER BY created_at DESC, id DESC", (home,))]
    everything = plain + in_moment + of_exp + [broken] + pending
    assert sorted(expected) == sorted(everything)

    for limit in (1, 2, 3, 50):
        assert ids(walk(api, a, {"household_id": home}, limit)) == expected, limit
    # every member sees the same; each item is what GET /media/{id}/ answers, URLs to the clean copies when ready
    listed = walk(api, bob, {"household_id": home}, 4)
    assert ids(listed) == expected
    for item in listed:
        one = api.get(f"/api/v1/media/{item['id']}/", user=bob).body
        assert item.keys() == one.keys()
        assert {k: v for k, v in item.items() if k not in URL_FIELDS} == {k: v for k, v in one.items() if k not in URL_FIELDS}
        if item["status"] == "ready":
            assert all(item[f] for f in URL_FIELDS)
            assert fetch(item["thumbnail_url"])[:2] == b"\xff\xd8"
        else:
            assert all(item[f] is None for f in URL_FIELDS)
    assert not any("key" in field for field in listed[0])  # no S3 keys, original's least of all

    def filtered(**query: str) -> list[str]:
        return ids(walk(api, a, {"household_id": home} | query, 2))

    def in_order(subset: list[str]) -> list[str]:
        return [i for i in expected if i in subset]

    assert filtered(status="ready") == in_order(plain + in_moment + of_exp)
    assert filtered(status="rejected") == [broken]
    assert filtered(status="pending") == in_order(pending)
    assert filtered(experience_id=exp) == in_order(of_exp + pending)
    assert filtered(experience_id=exp, status="pending") == in_order(pending)
    assert filtered(merry_moment_id=moment) == in_order(in_moment)
    assert filtered(merry_moment_id=given) == in_order([plain[0], of_exp[1]])
    assert sorted(filtered(merry_moment_id=given)) == sorted(api.get(f"/api/v1/merry-moments/{given}/", user=a).body["media_ids"])
    assert filtered(merry_moment_id=given, experience_id=exp) == [of_exp[1]]
    assert filtered(experience_id=str(family["moment"])) == []  # not an experience: nothing, not an error

    # the household is required; bad filters are 422s (the schema), a cursor not made here a 400, as problems
    for query in ({}, {"household_id": home, "status": "done"}, {"household_id": home, "cursor": "nope"},
                  {"household_id": home, "limit": "0"}, {"household_id": home, "limit": "201"},
                  {"household_id": home, "merry_moment_id": "x"}, {"household_id": "x"}):
        res = api.get("/api/v1/media/", query=query, user=a)
        assert res.status == (400 if query.get("cursor") else 422) and res.body["code"], (query, res.body)


def test_list_settles_pending_items_whose_file_never_came(api: FamilyApi, media_queue: MediaQueue, family: dict,
                                                          database_url: str) -> None:
    """As ``GET /media/{id}/`` does: an old presigned upload that was never used reads ``rejected``."""
    a, home = family["alice"], family["home"]
    never = api.post("/api/v1/media/uploads/", {"household_id": home, "content_type": "image/jpeg", "size_bytes": 10},
                     user=a).body["media"]["id"]
    fresh = api.post("/api/v1/media/uploads/", {"household_id": home, "content_type": "image/jpeg", "size_bytes": 10},
                     user=a).body["media"]["id"]
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("UPDATE family.media_items SET created_at = now() - interval '3 hours' WHERE id = %s", (never,))
    assert ids(walk(api, a, {"household_id": home, "status": "pending"}, 1)) == [fresh]
    listed = {item["id"]: item for item in walk(api, a, {"household_id": home}, 10)}
    assert listed[never]["status"] == "rejected" and listed[never]["reason_code"] == "upload_not_received"
    assert listed[fresh]["status"] == "pending"
    assert ids(walk(api, a, {"household_id": home, "status": "rejected"}, 10)) == [never]


# ---------------------------------------------------------------- delete
def test_delete_removes_the_row_every_object_and_the_id_from_moments(api: FamilyApi, media_queue: MediaQueue,
                                                                     family: dict) -> None:
    a, bob, home, moment = family["alice"], family["bob"], family["home"], family["moment"]
    keep = api.upload(tiny_jpeg(), home, user=a, merry_moment_id=moment).body["id"]
    gone = api.upload(tiny_jpeg(), home, user=a, merry_moment_id=moment).body["id"]
    media_queue.drain()
    given = api.post("/api/v1/merry-moments/", {"household_id": home, "title": "Both", "occurred_at": "2024-05-02T10:00:00Z",
                                                "media_ids": [keep, gone]}, user=a).body["id"]
    item = api.get(f"/api/v1/media/{gone}/", user=a).body
    assert item["status"] == "ready"
    assert keys(MEDIA, home, gone) == sorted(f"media/{home}/{gone}/{name}" for name in ("file.jpg", "preview.jpg", "thumbnail.jpg"))
    assert keys(UPLOADS, home) == []  # processed: the original is already gone

    res = api.delete(f"/api/v1/media/{gone}/", user=bob)  # any member, not only the uploader
    assert res.status == 204 and res.body is None
    assert api.get(f"/api/v1/media/{gone}/", user=a).status == 404
    assert keys(MEDIA, home, gone) == [] and keys(UPLOADS, home) == []
    for url in (item["file_url"], item["preview_url"], item["thumbnail_url"]):  # the URLs handed out earlier lead nowhere
        assert httpx.get(url).status_code == 404
    assert ids(walk(api, a, {"household_id": home}, 10)) == [keep]
    for m in (moment, given):
        assert api.get(f"/api/v1/merry-moments/{m}/", user=a).body["media_ids"] == [keep]
    listed = api.get("/api/v1/merry-moments/", query={"household_id": home}, user=a).body["moments"]
    assert all(gone not in m["media_ids"] for m in listed)
    assert len(keys(MEDIA, home, keep)) == 3  # the other item keeps its files
    # again, or an id that never was: 404, nothing else happens
    again = api.delete(f"/api/v1/media/{gone}/", user=a)
    assert again.status == 404 and again.body["code"] == "media_not_found"
    assert api.delete("/api/v1/media/00000000-0000-4000-8000-000000000000/", user=a).status == 404
    assert api.get(f"/api/v1/media/{keep}/", user=a).body["status"] == "ready"


def test_delete_of_a_pending_item_removes_its_original_and_the_processor_then_does_nothing(
        api: FamilyApi, media_queue: MediaQueue, family: dict) -> None:
    a, home = family["alice"], family["home"]
    up = api.upload(tiny_jpeg(), home, user=a).body
    assert up["status"] == "pending" and [k.rsplit("/", 1)[0] for k in keys(UPLOADS, home)] == [f"originals/{home}/{up['id']}"]
    assert api.delete(f"/api/v1/media/{up['id']}/", user=a).status == 204
    assert keys(UPLOADS, home) == []
    result = deliver_event_of(media_queue, up["id"])  # the S3 event of the upload comes after the delete
    assert result["batchItemFailures"] == []
    assert keys(MEDIA, home) == [] and keys(UPLOADS, home) == []
    assert api.get(f"/api/v1/media/{up['id']}/", user=a).status == 404
    assert media_queue.receive(wait=0) == []


def test_an_original_uploaded_after_the_delete_is_deleted_by_the_processor(api: FamilyApi, media_queue: MediaQueue,
                                                                           family: dict) -> None:
    """The presigned POST outlives the item: the file that arrives later names no item, so the
    processor deletes it rather than keep a photo with its GPS nobody can reach."""
    a, home = family["alice"], family["home"]
    data = tiny_jpeg()
    ask = api.post("/api/v1/media/uploads/", {"household_id": home, "content_type": "image/jpeg", "size_bytes": len(data)},
                   user=a).body
    media_id = ask["media"]["id"]
    assert api.delete(f"/api/v1/media/{media_id}/", user=a).status == 204
    post = httpx.post(ask["upload"]["url"], data=ask["upload"]["fields"], files={"file": ("x.jpg", data, "image/jpeg")})
    assert post.status_code in (200, 201, 204), post.text
    assert [k.rsplit("/", 1)[0] for k in keys(UPLOADS, home)] == [f"originals/{home}/{media_id}"]
    assert deliver_event_of(media_queue, media_id)["batchItemFailures"] == []
    assert keys(UPLOADS, home) == [] and keys(MEDIA, home) == []


@pytest.mark.parametrize("when", ["while it reads the photo", "after it wrote the outputs"])
def test_a_delete_while_the_processor_works_leaves_nothing(api: FamilyApi, media_queue: MediaQueue, family: dict,
                                                           monkeypatch: pytest.MonkeyPatch, when: str) -> None:
    """The processor claimed the item, then a member deletes it; the processor finishes, finds the
    row gone when it records the result, and removes what it wrote. No error, no retry, no files."""
    from family import repository
    from family.media import service as media_service

    a, home = family["alice"], family["home"]
    up = api.upload(tiny_jpeg(), home, user=a).body
    deleted: list[int] = []

    def delete_now() -> None:
        deleted.append(api.delete(f"/api/v1/media/{up['id']}/", user=a).status)

    if when == "while it reads the photo":
        real_process = media_service.process_image

        def process_then_delete(data: bytes) -> Any:
            delete_now()
            return real_process(data)

        monkeypatch.setattr(media_service, "process_image", process_then_delete)
    else:
        real_finish = repository.finish_media

        def delete_then_finish(conn: Any, media_id: Any, values: dict) -> bool:
            assert len(keys(MEDIA, home, up["id"])) == 3  # the outputs are written
            delete_now()
            return real_finish(conn, media_id, values)

        monkeypatch.setattr(repository, "finish_media", delete_then_finish)
    result = deliver_event_of(media_queue, up["id"])
    assert deleted == [204]
    assert result["batchItemFailures"] == []
    assert keys(MEDIA, home) == [] and keys(UPLOADS, home) == []
    assert api.get(f"/api/v1/media/{up['id']}/", user=a).status == 404
    assert api.get("/api/v1/media/", query={"household_id": home}, user=a).body["media"] == []
    monkeypatch.undo()
    assert media_queue.drain() == 0  # nothing left to retry


def test_a_failed_s3_delete_is_recorded_and_finished_by_a_later_delete(api: FamilyApi, media_queue: MediaQueue, family: dict,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """No S3 call runs inside the delete's transaction (issue 9, item 7): the row goes and the
    objects to delete are recorded in one transaction; S3 is called after the commit. When S3
    fails, the item is still gone (204), the objects stay recorded, and a later delete finishes."""
    from family import service
    from family.media import keys as media_keys

    a, home = family["alice"], family["home"]
    up = api.upload(tiny_jpeg(), home, user=a).body
    media_queue.drain()
    assert keys(MEDIA, home)

    def unavailable(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("S3 unavailable")

    monkeypatch.setattr(media_keys, "delete_under", unavailable)
    assert api.delete(f"/api/v1/media/{up['id']}/", user=a).status == 204
    assert api.get(f"/api/v1/media/{up['id']}/", user=a).status == 404
    assert keys(MEDIA, home)  # left for later, and recorded
    monkeypatch.undo()
    monkeypatch.setattr(service, "STALE_DELETION_S", 0)
    other = api.upload(tiny_jpeg(), home, user=a).body
    assert api.delete(f"/api/v1/media/{other['id']}/", user=a).status == 204
    assert keys(MEDIA, home) == [] and keys(UPLOADS, home) == []


def test_the_sweep_finishes_deletions_s3_failed(api: FamilyApi, media_queue: MediaQueue, family: dict,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The scheduled sweep (``ObjectDeletionSweepFunction``) finishes what S3 failed at delete time."""
    from family import service
    from family.jobs.object_deletions import handler
    from tests.support.apigw import LambdaContext
    from family.media import keys as media_keys

    a, home = family["alice"], family["home"]
    up = api.upload(tiny_jpeg(), home, user=a).body
    media_queue.drain()

    def unavailable(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("S3 unavailable")

    monkeypatch.setattr(media_keys, "delete_under", unavailable)
    assert api.delete(f"/api/v1/media/{up['id']}/", user=a).status == 204
    assert keys(MEDIA, home)
    monkeypatch.undo()
    event = json.loads((Path(__file__).resolve().parents[3] / "events/family/ObjectDeletionSweepFunction.json").read_text())
    handler(event, LambdaContext())
    assert keys(MEDIA, home)  # too recent to be swept yet: a delete may still be finishing it
    monkeypatch.setattr(service, "STALE_DELETION_S", 0)
    result = handler(event, LambdaContext())
    assert result["done"] >= 1 and result["failed"] == 0
    assert keys(MEDIA, home) == [] and keys(UPLOADS, home) == []
