"""Styles part 2 end to end through ``backlot dev`` (issue 13, "Done when"): two artists each train
a style from real photos (shared/data) on the local GPU provider, generate an image in the other's
style and share it; they follow each other, like and comment on each other's public images, get
the notifications, and filter models by tags with AND and exclusion. Hostile: liking another's
private image, a 501-character or NUL comment, deleting another's comment, following yourself, tag
searches with ``%``, ``_`` and a very long string."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from tests.support.waiting import training_photos as _photos
from tests.support.waiting import wait_until as _wait

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def http(dev_server) -> httpx.Client:
    with httpx.Client(base_url=dev_server.url + "/styles", timeout=120) as client:
        yield client


def test_two_artists_follow_like_and_comment_on_each_others_images_and_filter_by_tags(
        dev_server, http: httpx.Client, shared_data: Path) -> None:
    s = uuid.uuid4().hex[:6]
    ada = {"Authorization": f"Bearer {dev_server.token(f'ada-{s}', groups=('artist',))}"}
    bob = {"Authorization": f"Bearer {dev_server.token(f'bob-{s}', groups=('artist',))}"}
    ada_id = http.get("/api/auth/me", headers=ada).json()["data"]["id"]
    bob_id = http.get("/api/auth/me", headers=bob).json()["data"]["id"]
    files = [("images", (name, data, "image/jpeg")) for name, data in _photos(shared_data, 10)]

    def train(who: dict[str, str], name: str, tags: str) -> str:
        made = http.post("/api/models/", headers=who, data={"name": name, "tags": tags}, files=files)
        assert made.status_code == 201, made.text
        model_id = made.json()["data"]["id"]
        done = _wait(lambda: (d := http.get(f"/api/models/{model_id}", headers=who).json()["data"])["training_status"]
                     in ("completed", "failed") and d)
        assert done["training_status"] == "completed", dev_server.log()[-3000:]
        return model_id

    ada_model = train(ada, f"Shore {s}", f"sea{s},morning{s}")
    bob_model = train(bob, f"Night {s}", f"sea{s},night{s}")

    def generate(who: dict[str, str], style: str) -> str:
        paid = http.post("/api/images/generate", headers=who,
                         json={"style_id": style, "prompt_tags": ["harbour"], "aspect_ratio": "1:1", "seed": 5})
        assert paid.status_code == 201, paid.text
        gid = paid.json()["data"]["generation_id"]
        final = _wait(lambda: (st := http.get(f"/api/images/{gid}/status", headers=who).json()["data"])["status"]
                      in ("completed", "failed") and st)
        assert final["status"] == "completed", dev_server.log()[-3000:]
        return gid

    ada_pic = generate(ada, bob_model)
    bob_pic = generate(bob, ada_model)
    bob_private = generate(bob, bob_model)

    # hostile: another's private image cannot be seen, liked or commented on
    assert http.get(f"/api/images/{bob_pic}", headers=ada).status_code == 404
    assert http.post(f"/api/images/{bob_private}/like", headers=ada).json()["error"]["code"] == "image_not_found"
    for who, pic in ((ada, ada_pic), (bob, bob_pic)):
        shared = http.patch(f"/api/images/{pic}/visibility", headers=who, json={"visibility": "public"})
        assert shared.status_code == 200 and shared.json()["data"]["visibility"] == "public"

    # the feed: both public images, newest first, never the private one
    feed = http.get("/api/community/feed", headers=ada).json()["data"]["items"]
    ids = [i["id"] for i in feed]
    assert ids.index(bob_pic) < ids.index(ada_pic) and bob_private not in ids

    # follow each other; following yourself is refused
    assert http.post(f"/api/artists/{bob_id}/follow", headers=ada).json()["data"] == {"is_following": True, "follower_count": 1}
    assert http.post(f"/api/artists/{ada_id}/follow", headers=bob).json()["data"]["is_following"] is True
    me = http.post(f"/api/artists/{ada_id}/follow", headers=ada)
    assert me.status_code == 400 and me.json()["error"]["code"] == "cannot_follow_yourself"
    following = http.get("/api/users/following", headers=ada).json()["data"]["items"]
    assert [(f["id"], f["follower_count"]) for f in following] == [(bob_id, 1)]

    # like and comment on each other's images
    assert http.post(f"/api/images/{bob_pic}/like", headers=ada).json()["data"] == {"like_count": 1, "is_liked": True}
    assert http.post(f"/api/images/{ada_pic}/like", headers=bob).json()["data"] == {"like_count": 1, "is_liked": True}
    said = http.post(f"/api/images/{bob_pic}/comments", headers=ada, json={"content": "Lovely night sea"})
    assert said.status_code == 201, said.text
    reply = http.post(f"/api/images/{bob_pic}/comments", headers=bob, json={"content": "Thank you!"})
    assert reply.status_code == 201
    detail = http.get(f"/api/images/{bob_pic}", headers=ada).json()["data"]
    assert (detail["like_count"], detail["comment_count"], detail["is_liked_by_current_user"]) == (1, 2, True)
    listed = http.get(f"/api/images/{bob_pic}/comments", headers=ada).json()["data"]["items"]
    assert [c["content"] for c in listed] == ["Lovely night sea", "Thank you!"]

    # hostile comments: 501 characters, NUL; deleting another's comment
    assert http.post(f"/api/images/{bob_pic}/comments", headers=ada, json={"content": "x" * 501}).status_code == 422
    assert http.post(f"/api/images/{bob_pic}/comments", headers=ada, json={"content": "a\u0000b"}).status_code == 422
    denied = http.delete(f"/api/comments/{reply.json()['data']['id']}", headers=ada)
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "not_comment_author"
    assert http.delete(f"/api/comments/{said.json()['data']['id']}", headers=ada).status_code == 204

    # notifications: each got a follow and a like; bob a comment from ada (not his own reply)
    def kinds(who: dict[str, str]) -> list[str]:
        return sorted(n["type"] for n in http.get("/api/notifications", headers=who).json()["data"]["items"]
                      if n["type"] in ("like", "comment", "follow"))

    assert kinds(bob) == ["comment", "follow", "like"]
    assert kinds(ada) == ["follow", "like"]

    # models by tags: AND and exclusion
    def models(**params: str) -> set[str]:
        res = http.get("/api/models/", headers=ada, params=params)
        assert res.status_code == 200, res.text
        return {m["id"] for m in res.json()["data"]["items"]}

    assert models(tags=f"sea{s}") >= {ada_model, bob_model}
    assert models(tags=f"sea{s},night{s}") == {bob_model}
    assert ada_model in models(tags=f"sea{s}", exclude_tags=f"night{s}")
    assert bob_model not in models(tags=f"sea{s}", exclude_tags=f"night{s}")

    # tags: popular, autocomplete, wildcards literal, a very long search refused
    found = http.get("/api/tags/", headers=ada, params={"search": f"SEA{s}"}).json()["data"]["items"]
    assert [(t["name"], t["usage_count"]) for t in found] == [(f"sea{s}", 2)]
    assert http.get(f"/api/tags/{found[0]['id']}/", headers=ada).json()["data"]["name"] == f"sea{s}"
    assert http.get("/api/tags/", headers=ada, params={"search": f"se_{s}"}).json()["data"]["items"] == []
    assert http.get("/api/tags/", headers=ada, params={"search": f"%{s}"}).json()["data"]["items"] == []
    assert http.get("/api/tags/", headers=ada, params={"search": "w" * 5000}).status_code == 400

    # going too fast: the 11th comment in a minute is a 429 whose Retry-After crosses the gateway
    statuses = [http.post(f"/api/images/{ada_pic}/comments", headers=bob, json={"content": f"again {i}"})
                for i in range(12)]
    assert [r.status_code for r in statuses].count(201) == 10 - 1   # bob commented once above
    refused = statuses[-1]
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "too_many_requests"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
