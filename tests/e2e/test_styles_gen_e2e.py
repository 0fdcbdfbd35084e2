"""Styles end to end through ``backlot dev`` (issue 12 item 8): an artist uploads real photos from
shared/data as a training set, the local GPU provider started by ``backlot dev`` trains on them and
calls back through the gateway, a user pays for a generation, polls and downloads the image; a
failing generation is refunded. Hostile: 9 images, a forged provider webhook, too few tokens, one
Idempotency-Key with another body: none changes a balance or a status."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.support.waiting import training_photos as _photos
from tests.support.waiting import wait_until as _wait

pytestmark = pytest.mark.e2e


def _tiny_png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 80, 40)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def http(dev_server) -> httpx.Client:
    with httpx.Client(base_url=dev_server.url + "/styles", timeout=120) as client:
        yield client


def _auth(dev_server, name: str, *groups: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {dev_server.token(name, groups=groups)}"}


def test_an_artist_trains_from_real_photos_and_a_user_generates_polls_and_gets_the_image(
        dev_server, http: httpx.Client, shared_data: Path) -> None:
    artist = _auth(dev_server, f"artist-{uuid.uuid4().hex[:8]}", "artist")
    files = [("images", (name, data, "image/jpeg")) for name, data in _photos(shared_data, 10)]
    created = http.post("/api/models/", headers=artist, data={"name": "Shore light", "tags": "sea,morning"}, files=files)
    assert created.status_code == 201, created.text
    model = created.json()["data"]
    assert model["training_status"] == "queued" and model["tags"] == ["sea", "morning"]

    # hostile: 9 or 101 images, a file that is not an image, a file over 10 MB: nothing is stored
    nine = http.post("/api/models/", headers=artist, data={"name": "Nine"}, files=files[:9])
    assert nine.status_code == 400 and nine.json()["error"]["code"] == "invalid_image_count"
    tiny = _tiny_png()
    many = http.post("/api/models/", headers=artist, data={"name": "Many"},
                     files=[("images", (f"{i}.png", tiny, "image/png")) for i in range(101)])
    assert many.status_code == 400 and many.json()["error"]["code"] == "invalid_image_count"
    pdf = files[:9] + [("images", ("cv.jpg", b"%PDF-1.7 not a picture", "image/jpeg"))]
    bad = http.post("/api/models/", headers=artist, data={"name": "Bad"}, files=pdf)
    assert bad.status_code == 400 and bad.json()["error"]["details"][0]["field"] == "images[9]"
    huge = files[:9] + [("images", ("huge.jpg", b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024 + 1), "image/jpeg"))]
    assert http.post("/api/models/", headers=artist, data={"name": "Huge"}, files=huge).status_code == 413
    mine = http.get("/api/models/", headers=artist, params={"artist_id": model["artist"]["id"]}).json()["data"]["items"]
    assert [m["name"] for m in mine] == ["Shore light"]

    def trained():
        detail = http.get(f"/api/models/{model['id']}", headers=artist).json()["data"]
        return detail if detail["training_status"] in ("completed", "failed") else None

    detail = _wait(trained)
    assert detail["training_status"] == "completed", (detail, dev_server.log()[-3000:])
    assert detail["is_ready"] and len(detail["artworks"]) == 10

    user = _auth(dev_server, f"user-{uuid.uuid4().hex[:8]}")
    key = str(uuid.uuid4())
    body = {"style_id": model["id"], "prompt_tags": ["harbour", "dawn"], "aspect_ratio": "4:3", "seed": 3}
    paid = http.post("/api/images/generate", headers={**user, "Idempotency-Key": key}, json=body)
    assert paid.status_code == 201, paid.text
    generation = paid.json()["data"]
    assert generation["status"] == "queued" and generation["cost"] == 12
    # a retry with the same key is the same generation; another body is refused
    again = http.post("/api/images/generate", headers={**user, "Idempotency-Key": key}, json=body)
    assert again.json()["data"]["generation_id"] == generation["generation_id"]
    other = http.post("/api/images/generate", headers={**user, "Idempotency-Key": key}, json={**body, "seed": 4})
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"

    def rendered():
        status = http.get(f"/api/images/{generation['generation_id']}/status", headers=user).json()["data"]
        return status if status["status"] in ("completed", "failed") else None

    final = _wait(rendered)
    assert final["status"] == "completed", (final, dev_server.log()[-3000:])
    image = httpx.get(final["image_url"], timeout=30)
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")

    # a failing generation is refunded: 12 paid above, 10 paid and given back here
    failing = http.post("/api/images/generate", headers=user,
                        json={"style_id": model["id"], "prompt_tags": ["provider-fail"], "aspect_ratio": "1:1"}).json()["data"]

    def settled():
        status = http.get(f"/api/images/{failing['generation_id']}/status", headers=user).json()["data"]
        return status if status["status"] in ("completed", "failed") else None

    failed = _wait(settled)
    assert failed["status"] == "failed" and failed["refunded"] == 10

    # hostile: a forged provider webhook for the completed generation changes nothing
    forged = http.post(f"/api/webhooks/provider/images/{generation['generation_id']}",
                       content=json.dumps({"id": "x", "status": "failed", "error": "forged"}),
                       headers={"webhook-id": "msg_forged", "webhook-timestamp": str(int(time.time())),
                                "webhook-signature": "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="})
    assert forged.status_code == 401
    after = http.get(f"/api/images/{generation['generation_id']}/status", headers=user).json()["data"]
    assert after["status"] == "completed" and after["refunded"] == 0

    # hostile: too few tokens (100 - 12 = 88: five 16:9 images are 75, a sixth is refused)
    for _ in range(5):
        assert http.post("/api/images/generate", headers=user,
                         json={"style_id": model["id"], "prompt_tags": ["x"], "aspect_ratio": "16:9"}).status_code == 201
    poor = http.post("/api/images/generate", headers=user,
                     json={"style_id": model["id"], "prompt_tags": ["x"], "aspect_ratio": "16:9"})
    assert poor.status_code == 402 and poor.json()["error"]["code"] == "insufficient_tokens"
