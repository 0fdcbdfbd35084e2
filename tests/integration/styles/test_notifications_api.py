"""The notification endpoints (design document 004, M5-Notification tests) through the styles
handlers on real PostgreSQL: list with unread count and ``unread_only``, cursor pages, mark read,
mark all read, and only one's own."""

from __future__ import annotations

import uuid

from tests.support.clients import ApiClient


def _user(api: ApiClient) -> tuple[str, uuid.UUID]:
    from backlot.auth import user_id_for_subject

    name = f"n-{uuid.uuid4().hex[:12]}"
    assert api.get("/api/tokens/balance/", user=name).status == 200  # first sight makes the styles user
    return name, user_id_for_subject(name)


def _notify(user_id: uuid.UUID, count: int) -> list[uuid.UUID]:
    from backlot import db

    from styles.notifications import notify

    with db.transaction() as conn:
        return [notify(conn, user_id=user_id, type="training_completed", title=f"Training complete {i}",
                       message=f"Your style {i} is ready", link=f"/models/{i}") for i in range(count)]


def test_list_newest_first_in_pages_of_20_with_the_unread_count(api: ApiClient) -> None:
    name, user_id = _user(api)
    _notify(user_id, 23)
    first = api.get("/api/notifications", user=name)
    assert first.status == 200 and first.body["success"] is True
    data = first.body["data"]
    assert len(data["items"]) == 20 and data["unread_count"] == 23 and data["next_cursor"]
    assert data["items"][0]["title"] == "Training complete 22"
    assert set(data["items"][0]) == {"id", "type", "title", "message", "link", "is_read", "created_at"}
    rest = api.get("/api/notifications", user=name, query={"cursor": data["next_cursor"]}).body["data"]
    assert [i["title"] for i in rest["items"]] == ["Training complete 2", "Training complete 1", "Training complete 0"]
    assert rest["next_cursor"] is None


def test_mark_read_unread_only_and_mark_all_read(api: ApiClient) -> None:
    name, user_id = _user(api)
    ids = _notify(user_id, 3)
    marked = api.patch(f"/api/notifications/{ids[0]}/read", user=name)
    assert marked.status == 200 and marked.body["data"]["is_read"] is True and marked.body["data"]["id"] == str(ids[0])
    assert api.patch(f"/api/notifications/{ids[0]}/read", user=name).status == 200  # again: still read
    unread = api.get("/api/notifications", user=name, query={"unread_only": "true"}).body["data"]
    assert {i["id"] for i in unread["items"]} == {str(ids[1]), str(ids[2])} and unread["unread_count"] == 2
    everything = api.post("/api/notifications/mark-all-read", user=name)
    assert everything.status == 200 and everything.body["data"] == {"updated": 2}
    after = api.get("/api/notifications", user=name).body["data"]
    assert after["unread_count"] == 0 and len(after["items"]) == 3
    assert api.post("/api/notifications/mark-all-read", user=name).body["data"] == {"updated": 0}


def test_another_users_notification_is_404_and_stays_unread(api: ApiClient) -> None:
    alice, alice_id = _user(api)
    mallory, _ = _user(api)
    (theirs,) = _notify(alice_id, 1)
    answer = api.patch(f"/api/notifications/{theirs}/read", user=mallory)
    assert answer.status == 404 and answer.body == {
        "success": False, "error": {"code": "not_found", "message": f"notification {theirs} not found",
                                    "request_id": answer.body["error"]["request_id"]}}
    assert api.post("/api/notifications/mark-all-read", user=mallory).body["data"] == {"updated": 0}
    assert api.get("/api/notifications", user=mallory).body["data"] == {"items": [], "next_cursor": None, "unread_count": 0}
    assert api.get("/api/notifications", user=alice).body["data"]["unread_count"] == 1


def test_bad_ids_and_cursors(api: ApiClient) -> None:
    name, _ = _user(api)
    assert api.patch("/api/notifications/not-a-uuid/read", user=name).status == 422
    assert api.patch(f"/api/notifications/{uuid.uuid4()}/read", user=name).status == 404
    assert api.get("/api/notifications", user=name, query={"cursor": "bm9wZQ"}).body["error"]["code"] == "invalid_cursor"
    assert api.get("/api/notifications", user=name, query={"unread_only": "maybe"}).status == 422
