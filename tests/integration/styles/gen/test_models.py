"""Style models through the styles handlers (design document 004, M2-Style-Model-API tests): create
from real photos (multipart and presigned), what is stored (no EXIF/GPS), the training message,
list/detail/delete and permissions; hostile inputs store nothing."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
import requests
from PIL import Image

from tests.integration.styles.gen.conftest import BUCKET, photos, small_photos, someone, wait_for


def _messages(gen: dict[str, Any], driver: str) -> list[dict[str, Any]]:
    return gen[driver].receive(wait=1)


def _objects(gen: dict[str, Any], prefix: str) -> list[str]:
    out = gen["s3"].list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return [o["Key"] for o in out.get("Contents", [])]


def test_an_artist_creates_a_model_from_ten_real_photos_and_training_is_queued(gen: dict[str, Any]) -> None:
    artist = someone()
    res = gen["api"].create_model(artist, small_photos(10), name="Harbour light", tags=["Watercolor", "portrait", "watercolor"])
    assert res.status == 201, res.body
    data = res.body["data"]
    assert data["training_status"] == "queued" and data["is_ready"] is False and data["task_id"]
    assert data["tags"] == ["Watercolor", "portrait"]
    assert len(data["artworks"]) == 10 and all(a["status"] == "ready" for a in data["artworks"])
    # every stored training image is clean: no EXIF (so no GPS), upright
    for key in _objects(gen, f"artworks/{data['id']}/"):
        body = gen["s3"].get_object(Bucket=BUCKET, Key=key)["Body"].read()
        with Image.open(io.BytesIO(body)) as img:
            assert not img.getexif(), key
            assert "exif" not in img.info, key
    # the document's training message
    found = [json.loads(m["Body"]) for m in _messages(gen, "training")]
    mine = [m for m in found if m["data"]["style_id"] == data["id"]]
    assert len(mine) == 1
    message = mine[0]
    assert message["type"] == "model_training" and message["task_id"] == data["task_id"]
    assert len(message["data"]["image_paths"]) == 10 and message["data"]["num_epochs"] > 0
    assert message["webhook_url"].endswith(f"/api/models/{data['id']}/status")


@pytest.mark.parametrize("count", [9, 101])
def test_nine_or_a_hundred_and_one_images_are_refused_and_nothing_is_stored(gen: dict[str, Any], count: int) -> None:
    artist = someone()
    files = [small_photos(1)[0]] * count
    res = gen["api"].create_model(artist, files, name=f"Set of {count}")
    assert res.status == 400, res.body
    assert res.body["success"] is False and res.body["error"]["code"] == "invalid_image_count"
    listed = gen["api"].get("/api/models", user=artist, query={"artist_id": _user_id(artist)})
    assert listed.body["data"]["items"] == []


def test_a_file_that_is_not_an_image_is_named_and_nothing_is_stored(gen: dict[str, Any]) -> None:
    artist = someone()
    files = small_photos(10)
    files[3] = ("notes.jpg", b"%PDF-1.7 this is not a photo")
    res = gen["api"].create_model(artist, files, name="Mixed bag")
    assert res.status == 400
    assert res.body["error"]["code"] == "invalid_image"
    assert res.body["error"]["details"] == [{"field": "images[3]", "message": res.body["error"]["details"][0]["message"]}]
    assert gen["api"].get("/api/models", user=artist, query={"artist_id": _user_id(artist)}).body["data"]["items"] == []


def test_a_request_over_the_direct_limit_is_413_and_the_presigned_path_refuses_over_10_mb(gen: dict[str, Any]) -> None:
    artist = someone()
    big = ("big.jpg", b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024 + 10))
    res = gen["api"].create_model(artist, small_photos(9) + [big], name="Too big")
    assert res.status == 413 and res.body["error"]["code"] == "too_large_for_direct_upload"
    announce = [{"content_type": "image/jpeg", "size_bytes": 1000}] * 9 + [{"content_type": "image/jpeg",
                                                                          "size_bytes": 10 * 1024 * 1024 + 1}]
    res = gen["api"].post("/api/models/uploads", {"name": "Too big again", "images": announce}, user=artist,
                          groups=("artist",))
    assert res.status == 400 and res.body["error"]["details"][0]["field"] == "images[9]"
    assert res.body["error"]["code"] == "image_too_large"


def test_only_artists_create_and_names_are_unique_per_artist(gen: dict[str, Any]) -> None:
    user, artist = someone(), someone()
    res = gen["api"].create_model(user, small_photos(10), name="Mine", groups=())
    assert res.status == 403 and res.body["error"]["code"] == "not_an_artist"
    assert gen["api"].create_model(artist, small_photos(10), name="Ink Rivers").status == 201
    again = gen["api"].create_model(artist, small_photos(10), name="  ink   rivers ")
    assert again.status == 409 and again.body["error"]["code"] == "duplicate_name"
    assert gen["api"].create_model(someone(), small_photos(10), name="Ink Rivers").status == 201  # another artist


def test_presigned_uploads_go_through_the_pipeline_and_then_training_is_queued(gen: dict[str, Any]) -> None:
    artist = someone()
    files = photos(10)  # full-size photos, 2 MB+ each: too large together for the multipart request
    announce = [{"content_type": "image/jpeg", "size_bytes": len(data)} for _, data in files]
    res = gen["api"].post("/api/models/uploads", {"name": "Big set", "tags": ["sea"], "images": announce},
                          user=artist, groups=("artist",))
    assert res.status == 201, res.body
    data = res.body["data"]
    assert data["training_status"] == "uploading" and len(data["uploads"]) == 10
    for form, (name, body) in zip(data["uploads"], files, strict=True):
        up = requests.post(form["url"], data=form["fields"], files={"file": (name, body, "image/jpeg")}, timeout=30)
        assert up.status_code in (200, 204), up.text
    wait_for(lambda: gen["uploads"].drain() or _status(gen, artist, data["id"]) == "queued", timeout=60)
    detail = gen["api"].get(f"/api/models/{data['id']}", user=artist).body["data"]
    assert detail["training_status"] == "queued"
    assert all(a["status"] == "ready" for a in detail["artworks"])
    assert _objects(gen, f"uploads/{data['id']}/") == []  # raw uploads deleted once processed
    # the GPS photo (position 9 holds exif_gps.jpg) kept no EXIF
    key = [k for k in _objects(gen, f"artworks/{data['id']}/") if not k.endswith(".thumb.jpg")][-1]
    with Image.open(io.BytesIO(gen["s3"].get_object(Bucket=BUCKET, Key=key)["Body"].read())) as img:
        assert not img.getexif()


def test_a_presigned_upload_that_is_not_an_image_fails_the_model_naming_it(gen: dict[str, Any]) -> None:
    artist = someone()
    announce = [{"content_type": "image/jpeg", "size_bytes": 5000}] * 10
    data = gen["api"].post("/api/models/uploads", {"name": "Broken set", "images": announce}, user=artist,
                           groups=("artist",)).body["data"]
    form = data["uploads"][4]
    requests.post(form["url"], data=form["fields"], files={"file": ("x.jpg", b"not an image at all", "image/jpeg")},
                  timeout=30)
    wait_for(lambda: gen["uploads"].drain() or _status(gen, artist, data["id"]) == "failed", timeout=30)
    detail = gen["api"].get(f"/api/models/{data['id']}", user=artist).body["data"]
    assert detail["failure_reason"].startswith("images[4]")


def _status(gen: dict[str, Any], user: str, model_id: str) -> str:
    return gen["api"].get(f"/api/models/{model_id}", user=user).body["data"]["training_status"]


def _user_id(name: str) -> str:
    from backlot.auth import user_id_for_subject

    return str(user_id_for_subject(name))


def test_listing_filters_by_tags_and_shows_pending_models_to_their_artist_only(gen: dict[str, Any]) -> None:
    artist, other = someone(), someone()
    a = gen["api"].create_model(artist, small_photos(10), name="A", tags=["ocean", "ink"]).body["data"]
    b = gen["api"].create_model(artist, small_photos(10), name="B", tags=["ocean"]).body["data"]
    mine = gen["api"].get("/api/models", user=artist, query={"artist_id": _user_id(artist)}).body["data"]["items"]
    assert {m["id"] for m in mine} == {a["id"], b["id"]}
    both = gen["api"].get("/api/models", user=artist, query={"artist_id": _user_id(artist), "tags": "OCEAN,ink"})
    assert [m["id"] for m in both.body["data"]["items"]] == [a["id"]]
    # another user sees neither (not completed), and a pending detail is a 404 for them
    assert gen["api"].get("/api/models", user=other, query={"artist_id": _user_id(artist)}).body["data"]["items"] == []
    assert gen["api"].get(f"/api/models/{a['id']}", user=other).status == 404
    # delete: owner only
    assert gen["api"].delete(f"/api/models/{a['id']}", user=other).status == 404
    assert gen["api"].delete(f"/api/models/{a['id']}", user=artist).status == 204
    assert gen["api"].get(f"/api/models/{a['id']}", user=artist).status == 404
    # the name is free again
    assert gen["api"].create_model(artist, small_photos(10), name="A").status == 201


def test_the_last_images_processed_at_the_same_time_still_queue_the_training_once(gen: dict[str, Any]) -> None:
    from backlot.storage import S3ObjectRef

    from styles.jobs.handlers import process_artwork
    from tests.integration.styles.helpers import at_once

    artist = someone()
    files = small_photos(10)
    announce = [{"content_type": "image/jpeg", "size_bytes": len(data)} for _, data in files]
    data = gen["api"].post("/api/models/uploads", {"name": "All at once", "images": announce}, user=artist,
                           groups=("artist",)).body["data"]
    for form, (name, body) in zip(data["uploads"], files, strict=True):
        requests.post(form["url"], data=form["fields"], files={"file": (name, body, "image/jpeg")}, timeout=30)
    refs = [S3ObjectRef(bucket=BUCKET, key=form["key"], size=None, etag=None, sequencer=None,
                        event_name="ObjectCreated:Post") for form in data["uploads"]]
    outcomes = at_once(10, lambda i: process_artwork(refs[i]))
    assert outcomes == ["finished"] * 10, outcomes
    assert _status(gen, artist, data["id"]) == "queued"
    sent = [json.loads(m["Body"]) for m in gen["training"].receive(wait=1)]
    assert sum(1 for m in sent if m["data"]["style_id"] == data["id"]) == 1
    gen["uploads"].drain()  # the S3 notifications of those uploads now find nothing to do
    assert _status(gen, artist, data["id"]) == "queued"


def test_two_last_images_recorded_in_overlapping_transactions_queue_the_training(gen: dict[str, Any]) -> None:
    """Deterministic interleaving: the first of the two last images is recorded and its transaction
    held open while the second is recorded; the model still ends ``queued`` (once)."""
    import threading

    import psycopg
    from psycopg.rows import dict_row

    from backlot import db

    from styles.stylemodels import service

    artist = someone()
    announce = [{"content_type": "image/jpeg", "size_bytes": 5000}] * 10
    data = gen["api"].post("/api/models/uploads", {"name": "Interleaved", "images": announce}, user=artist,
                           groups=("artist",)).body["data"]
    with db.transaction() as conn:
        images = conn.execute("SELECT id, position, upload_key FROM styles.training_images WHERE model_id = %s "
                              "ORDER BY position", (data["id"],)).fetchall()
    stored = {"image_key": "k.jpg", "thumbnail_key": "t.jpg", "content_type": "image/jpeg", "width": 1, "height": 1,
              "size_bytes": 1}
    claims = [{"id": i["id"], "model_id": uuid_of(data["id"]), "position": i["position"], "upload_key": i["upload_key"]}
              for i in images]
    with db.transaction() as conn:
        for claim in claims[:8]:
            assert service.record_ready(conn, claim, stored) is None
    results: dict[str, Any] = {}
    import os

    first = psycopg.connect(os.environ["DATABASE_URL"], row_factory=dict_row, autocommit=False)
    results["first"] = service.record_ready(first, claims[8], stored)  # holds the model's lock, uncommitted

    def second() -> None:
        with psycopg.connect(os.environ["DATABASE_URL"], row_factory=dict_row) as conn:
            results["second"] = service.record_ready(conn, claims[9], stored)
            conn.commit()

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(1.0)
    assert thread.is_alive()  # waits for the first transaction's lock on the model
    first.commit()
    first.close()
    thread.join(10)
    assert results["first"] is None and results["second"] is not None
    assert _status(gen, artist, data["id"]) == "queued"


def uuid_of(text: str) -> Any:
    import uuid

    return uuid.UUID(text)
