"""Notifications and outgoing webhooks (issue 11; document 001 known limitation 6) on real
PostgreSQL and the AWS emulator's SQS, with a local HTTP receiver that verifies every signature:
each event writes its notification in its own transaction; the feed reads, marks read (twice is
fine) and hides other users' rows; a webhook endpoint gets each subscribed event signed, a failing
one gets retries with the same webhook-id then ``failed``, a lost message is sent again by the
sweep, and two sweeps or two deliveries of one message at once send it once."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import psycopg
import pytest
from psycopg.rows import dict_row

from backlot import db
from backlot.auth import user_id_for_subject
from tests.support.apigw import LambdaContext
from tests.support.clients import ApiClient, QueueDriver, sqs_event
from tests.support.webhook_receiver import WebhookReceiver
from wellness.conversations import generation
from wellness.conversations import repository as repo
from wellness.jobs import webhooks as webhook_jobs
from wellness.settings import get_settings

from .conftest import concurrently, unique_user

N = "/api/notifications/"
W = "/api/webhooks/"


@pytest.fixture()
def conn(wellness_env, database_url: str):
    with psycopg.connect(database_url, row_factory=dict_row, autocommit=True) as c:
        yield c


@pytest.fixture()
def queue(wellness_env, monkeypatch: pytest.MonkeyPatch):
    """A fresh delivery queue, local webhooks allowed, no API key (offline generator)."""
    url = boto3.client("sqs").create_queue(QueueName=f"webhooks-{uuid.uuid4().hex[:8]}",
                                           Attributes={"VisibilityTimeout": "2"})["QueueUrl"]
    monkeypatch.setenv("WEBHOOK_QUEUE_URL", url)
    monkeypatch.setenv("WEBHOOK_ALLOW_LOCAL", "true")
    monkeypatch.setenv("WEBHOOK_TIMEOUT_S", "0.5")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    get_settings.cache_clear()
    yield QueueDriver(webhook_jobs.handler, url)
    get_settings.cache_clear()


@pytest.fixture()
def receiver():
    found = WebhookReceiver()
    found.url = found.start()
    yield found
    found.stop()


def member(api: ApiClient) -> tuple[str, str]:
    sub = unique_user()
    assert api.get("/api/accounts/users/me/", user=sub).status == 200
    return sub, str(user_id_for_subject(sub))


def events(api: ApiClient, user: str, **params: str) -> list[str]:
    found = api.get(N, user=user, query=params or None)
    assert found.status == 200, found.body
    return [n["event"] for n in found.body["results"]]


def make_device(api: ApiClient, user: str) -> str:
    found = api.post("/api/devices/", {"name": "Pixel", "platform": "android", "personality_type": "snarky"}, user=user)
    assert found.status == 201, found.body
    return found.body["id"]


def generate_one(api: ApiClient, user: str, device_id: str) -> str:
    out = api.post("/api/conversations/generate/", {"conversation_type": "daily_recap", "mood": "humorous",
                                                    "device_ids": [device_id], "app_ids": []}, user=user)
    assert out.status == 202, out.body
    return out.body["id"]


def subscribe(api: ApiClient, user: str, receiver: WebhookReceiver, events: list[str]) -> dict[str, Any]:
    made = api.post(W, {"url": receiver.url, "events": events}, user=user)
    assert made.status == 201, made.body
    receiver.secret = made.body["secret"]
    return made.body


def sweep_and_deliver(driver: QueueDriver) -> dict[str, int]:
    summary = webhook_jobs.run_sweep(None)
    driver.drain()
    return summary


def make_due(conn: psycopg.Connection, endpoint_id: str) -> None:
    """The clock moved on: every pending delivery of the endpoint is due now (the schedule's waits
    are minutes to hours; the test does not wait for them)."""
    conn.execute("UPDATE wellness.webhook_deliveries SET next_attempt_at = now() - interval '1 second' "
                 "WHERE endpoint_id = %s AND status = 'pending'", (endpoint_id,))


# ---------------------------------------------------------------- the feed


def test_friend_and_visit_events_reach_the_other_user_and_reading_is_idempotent(api: ApiClient, wellness_env) -> None:
    (a, a_id), (b, b_id) = member(api), member(api)
    asked = api.post("/api/social/friends/", {"user_id": b_id}, user=a)
    assert asked.status == 201
    assert api.post("/api/social/friends/", {"user_id": b_id}, user=a).status == 200  # a duplicate notifies nobody
    assert events(api, b) == ["friend_request.received"]
    assert events(api, a) == []
    assert api.post(f"/api/social/friends/{asked.body['id']}/accept/", user=b).status == 200
    assert api.post(f"/api/social/friends/{asked.body['id']}/accept/", user=b).status == 200  # a retry: no second one
    got = api.get(N, user=a).body["results"]
    assert [n["event"] for n in got] == ["friend_request.accepted"]
    assert got[0]["data"] == {"connection_id": asked.body["id"], "user_id": b_id} and got[0]["is_read"] is False
    # a visit: requested to the guest, accepted to the host
    a_dev, b_dev = make_device(api, a), make_device(api, b)
    ends = (datetime.now(timezone.utc) + timedelta(hours=2)).isoformat()
    visit = api.post("/api/social/visits/", {"user_id": b_id, "device_id": a_dev, "ends_at": ends}, user=a)
    assert visit.status == 201, visit.body
    assert api.post(f"/api/social/visits/{visit.body['id']}/accept/", {"device_id": b_dev}, user=b).status == 200
    assert events(api, b) == ["visit.requested", "friend_request.received"]
    assert events(api, a) == ["visit.accepted", "friend_request.accepted"]
    # read one (twice), then the rest; another user's is 404
    first = api.get(N, user=b).body["results"][0]
    once = api.post(f"{N}{first['id']}/read/", user=b)
    twice = api.post(f"{N}{first['id']}/read/", user=b)
    assert once.status == twice.status == 200 and once.body["is_read"] and twice.body["read_at"] == once.body["read_at"]
    assert events(api, b, unread="true") == ["friend_request.received"]
    assert events(api, b, unread="false") == ["visit.requested"]
    foreign = api.post(f"{N}{first['id']}/read/", user=a)
    assert foreign.status == 404 and foreign.body["code"] == "notification_not_found"
    assert api.post(f"{N}{uuid.uuid4()}/read/", user=b).status == 404
    assert api.post(f"{N}read_all/", user=b).body == {"marked": 1}
    assert api.post(f"{N}read_all/", user=b).body == {"marked": 0}
    assert events(api, b, unread="true") == [] and events(api, a, unread="true") == ["visit.accepted", "friend_request.accepted"]


def test_a_deleted_account_leaves_no_trace_in_other_users_notifications_or_webhooks(
        api: ApiClient, queue: QueueDriver, receiver, conn: psycopg.Connection) -> None:
    (a, a_id), (b, b_id), (c, _) = member(api), member(api), member(api)
    hook = subscribe(api, b, receiver, ["friend_request.received"])
    receiver.default = 500  # B's endpoint fails: the delivery naming A stays pending
    assert api.post("/api/social/friends/", {"user_id": b_id}, user=a).status == 201
    assert api.post("/api/social/friends/", {"user_id": b_id}, user=c).status == 201
    sweep_and_deliver(queue)
    assert events(api, b) == ["friend_request.received"] * 2
    assert api.delete("/api/accounts/users/me/", user=a).status == 200
    got = api.get(N, user=b).body["results"]
    assert [n["data"]["user_id"] for n in got] == [str(user_id_for_subject(c))]  # C's request stays
    [delivery] = api.get(f"{W}{hook['id']}/deliveries/", user=b).body["results"]
    assert a_id not in str(delivery)
    for table in ("notifications", "webhook_deliveries"):
        found = conn.execute(f"SELECT count(*) AS n FROM wellness.{table} x WHERE strpos(x::text, %s) > 0", (a_id,)).fetchone()
        assert found["n"] == 0, table
    assert api.delete(f"{W}{hook['id']}/", user=b).status == 204  # its pending delivery would reach the next test's sweep


def test_feed_pages_with_next_and_previous_links(api: ApiClient, wellness_env) -> None:
    (a, a_id) = member(api)
    others = [member(api) for _ in range(3)]
    for sub, _ in others:
        assert api.post("/api/social/friends/", {"user_id": a_id}, user=sub).status == 201
    page1 = api.get(N, user=a, query={"limit": "2"}).body
    assert len(page1["results"]) == 2 and page1["next"] and page1["previous"] is None
    cursor = page1["next"].split("cursor=")[1].split("&")[0]
    page2 = api.get(N, user=a, query={"limit": "2", "cursor": cursor}).body
    assert len(page2["results"]) == 1 and page2["next"] is None and page2["previous"]
    ids = {n["data"]["user_id"] for n in page1["results"] + page2["results"]}
    assert ids == {uid for _, uid in others}


def test_conversation_ready_and_failed_and_one_journal_notification_per_user_and_night(
        api: ApiClient, queue, conn: psycopg.Connection) -> None:
    user, user_id = member(api)
    device = make_device(api, user)
    cid = generate_one(api, user, device)
    assert events(api, user) == []  # pending: nothing yet
    assert generation.generate(uuid.UUID(cid)) == "ready"
    ready = api.get(N, user=user).body["results"]
    assert [n["event"] for n in ready] == ["conversation.ready"]
    assert ready[0]["data"]["conversation_id"] == cid and ready[0]["data"]["conversation_type"] == "daily_recap"
    # a failure carries its reason
    failing = generate_one(api, user, device)
    with db.transaction() as c:
        assert repo.mark_attempt_failed(c, uuid.UUID(failing), "budget_exceeded: the daily AI budget is spent", 1, final=True) == "failed"
    got = api.get(N, user=user).body["results"][0]
    assert got["event"] == "conversation.failed" and got["data"]["reason"].startswith("budget_exceeded")
    # three journal entries of one night (two collections): one journal.ready
    today = datetime.now(timezone.utc).date()
    for batch in ([1, 2], [3]):
        with db.transaction() as c:
            for n in batch:
                row_id = repo.insert(c, uuid.UUID(user_id), {
                    "kind": "journal", "origin": "nightly", "mood": "humorous", "for_date": today, "subject_kind": "device",
                    "subject_id": device if n == 1 else str(uuid.uuid4()), "participants": [], "request": None})
                repo.mark_ready(c, row_id, "offline", "offline-templates", {"title": f"day {n}", "entry": "text"})
    journal = [n for n in api.get(N, user=user).body["results"] if n["event"] == "journal.ready"]
    assert len(journal) == 1 and journal[0]["data"]["for_date"] == today.isoformat()
    # a rolled-back change leaves no notification
    before = conn.execute("SELECT count(*) AS n FROM wellness.notifications WHERE user_id = %s", (user_id,)).fetchone()["n"]
    third = generate_one(api, user, device)
    with pytest.raises(RuntimeError), db.transaction() as c:
        repo.mark_ready(c, uuid.UUID(third), "offline", "offline-templates", {"title": "t", "turns": []})
        raise RuntimeError("the rest of the transaction failed")
    assert conn.execute("SELECT count(*) AS n FROM wellness.notifications WHERE user_id = %s", (user_id,)).fetchone()["n"] == before


# ---------------------------------------------------------------- webhooks


def test_webhook_endpoints_secret_once_ssrf_refused_and_other_users_404(api: ApiClient, queue, receiver, monkeypatch) -> None:
    user, _ = member(api)
    other, _ = member(api)
    made = subscribe(api, user, receiver, ["conversation.ready", "conversation.ready", "visit.accepted"])
    assert made["secret"].startswith("whsec_") and made["events"] == ["conversation.ready", "visit.accepted"]
    listed = api.get(W, user=user).body["results"]
    assert [w["id"] for w in listed] == [made["id"]] and "secret" not in listed[0]
    assert api.get(W, user=other).body["results"] == []
    assert api.get(f"{W}{made['id']}/deliveries/", user=other).status == 404
    assert api.delete(f"{W}{made['id']}/", user=other).status == 404
    bad = api.post(W, {"url": receiver.url, "events": ["no.such_event"]}, user=user)
    assert bad.status == 400 and "events" in str(bad.body)
    monkeypatch.setenv("WEBHOOK_ALLOW_LOCAL", "false")
    get_settings.cache_clear()
    for url in (receiver.url, "https://169.254.169.254/latest/meta-data/", "https://10.0.0.8/hook", "https://[::1]/x",
                "https://localhost/hook"):
        refused = api.post(W, {"url": url, "events": ["journal.ready"]}, user=user)
        assert refused.status == 400 and list(refused.body) == ["url"], (url, refused.body)
    assert api.delete(f"{W}{made['id']}/", user=user).status == 204
    assert api.delete(f"{W}{made['id']}/", user=user).status == 404
    assert api.get(W, user=user).body["results"] == []


def test_a_conversation_ready_webhook_arrives_signed_once(api: ApiClient, queue: QueueDriver, receiver) -> None:
    user, user_id = member(api)
    hook = subscribe(api, user, receiver, ["conversation.ready"])
    other_receiver = WebhookReceiver()
    other_url = other_receiver.start()
    try:
        unsubscribed = api.post(W, {"url": other_url, "events": ["journal.ready"]}, user=user).body
        cid = generate_one(api, user, make_device(api, user))
        assert generation.generate(uuid.UUID(cid)) == "ready"
        assert sweep_and_deliver(queue) == {"claimed": 1, "enqueued": 1}
        assert sweep_and_deliver(queue) == {"claimed": 0, "enqueued": 0}
    finally:
        other_receiver.stop()
    assert other_receiver.received == [] and api.get(f"{W}{unsubscribed['id']}/deliveries/", user=user).body["results"] == []
    [got] = receiver.received
    assert got.verified, got.error
    assert got.json["type"] == "conversation.ready" and got.json["data"]["conversation_id"] == cid
    assert got.headers["content-type"] == "application/json"
    [delivery] = api.get(f"{W}{hook['id']}/deliveries/", user=user).body["results"]
    assert delivery["webhook_id"] == got.webhook_id and delivery["status"] == "succeeded"
    assert delivery["attempts"] == 1 and delivery["response_status"] == 200 and delivery["next_attempt_at"] is None
    assert len(delivery["response_body"]) == 500  # the receiver answered 2000 bytes: a few hundred kept


def test_a_failing_endpoint_is_retried_with_the_same_webhook_id_then_failed(
        api: ApiClient, queue: QueueDriver, receiver, conn: psycopg.Connection, monkeypatch) -> None:
    monkeypatch.setenv("WEBHOOK_MAX_ATTEMPTS", "4")
    get_settings.cache_clear()
    (a, a_id), (b, _) = member(api), member(api)
    hook = subscribe(api, a, receiver, ["friend_request.received"])
    receiver.default = 500
    receiver.answers = [503, "slow", "redirect"]
    assert api.post("/api/social/friends/", {"user_id": a_id}, user=b).status == 201
    started = datetime.now(timezone.utc)
    sweep_and_deliver(queue)
    [d] = api.get(f"{W}{hook['id']}/deliveries/", user=a).body["results"]
    assert d["status"] == "pending" and d["attempts"] == 1 and d["response_status"] == 503 and d["last_error"] == "HTTP 503"
    wait = datetime.fromisoformat(d["next_attempt_at"]) - started
    assert timedelta(seconds=4) <= wait <= timedelta(seconds=10)  # the schedule's 5 s
    assert sweep_and_deliver(queue)["claimed"] == 0  # not due yet
    seen = []
    for expected in ("timeout after 0.5 s", "HTTP 302 (redirects are not followed)", "HTTP 500"):
        make_due(conn, hook["id"])
        sweep_and_deliver(queue)
        [d] = api.get(f"{W}{hook['id']}/deliveries/", user=a).body["results"]
        seen.append((d["status"], d["last_error"]))
        assert d["last_error"] == expected
    assert [s for s, _ in seen] == ["pending", "pending", "failed"]
    assert d["attempts"] == 4 and d["next_attempt_at"] is None
    make_due(conn, hook["id"])
    assert sweep_and_deliver(queue)["claimed"] == 0  # failed for good
    assert len(receiver.received) == 4 and len({r.webhook_id for r in receiver.received}) == 1
    assert all(r.verified for r in receiver.received)  # each attempt signed anew (its own timestamp)


def test_an_endpoint_whose_address_became_internal_is_refused_at_delivery(
        api: ApiClient, queue: QueueDriver, receiver, conn: psycopg.Connection, monkeypatch) -> None:
    (a, a_id), (b, _) = member(api), member(api)
    hook = subscribe(api, a, receiver, ["friend_request.received"])
    monkeypatch.setenv("WEBHOOK_ALLOW_LOCAL", "false")  # the loopback receiver is now an internal address
    get_settings.cache_clear()
    assert api.post("/api/social/friends/", {"user_id": a_id}, user=b).status == 201
    sweep_and_deliver(queue)
    [d] = api.get(f"{W}{hook['id']}/deliveries/", user=a).body["results"]
    assert d["status"] == "pending" and d["response_status"] is None and d["last_error"].startswith("refused:")
    assert receiver.received == []


def test_an_endpoint_with_an_internationalised_host_name_is_delivered_to(
        api: ApiClient, queue: QueueDriver, receiver) -> None:
    # whostile finding: the URL was accepted, but every attempt raised UnicodeEncodeError building the
    # Host header (not an httpx error): the message failed, the row was claimed again and again and
    # never recorded nor failed. Full-width "localhost" is what IDNA ToASCII maps to "localhost".
    (a, a_id), (b, _) = member(api), member(api)
    port = receiver.url.split(":")[2].split("/")[0]
    made = api.post(W, {"url": f"http://ｌｏｃａｌｈｏｓｔ:{port}/hooks", "events": ["friend_request.received"]}, user=a)
    assert made.status == 201, made.body
    receiver.secret = made.body["secret"]
    assert api.post("/api/social/friends/", {"user_id": a_id}, user=b).status == 201
    sweep_and_deliver(queue)
    [d] = api.get(f"{W}{made.body['id']}/deliveries/", user=a).body["results"]
    assert (d["status"], d["attempts"], d["response_status"]) == ("succeeded", 1, 200), d
    [got] = receiver.received
    assert got.verified and got.headers["host"] == f"localhost:{port}"


def test_a_message_lost_after_the_commit_is_sent_again_by_the_sweep(
        api: ApiClient, queue: QueueDriver, receiver, conn: psycopg.Connection) -> None:
    (a, a_id), (b, _) = member(api), member(api)
    hook = subscribe(api, a, receiver, ["friend_request.received"])
    assert api.post("/api/social/friends/", {"user_id": a_id}, user=b).status == 201
    assert webhook_jobs.run_sweep(None)["enqueued"] == 1
    boto3.client("sqs").purge_queue(QueueUrl=queue.queue_url)  # the message is lost
    assert webhook_jobs.run_sweep(None)["claimed"] == 0  # claimed: not due again before the redrive time
    make_due(conn, hook["id"])  # the redrive time passed
    sweep_and_deliver(queue)
    [got] = receiver.received
    assert got.verified
    assert api.get(f"{W}{hook['id']}/deliveries/", user=a).body["results"][0]["status"] == "succeeded"


def test_two_sweeps_and_two_deliveries_of_one_message_at_once_send_each_once(
        api: ApiClient, queue: QueueDriver, receiver, conn: psycopg.Connection) -> None:
    # the sweep takes every due delivery of the database: earlier tests' retries (5 s after a failed
    # attempt) are parked, so the count below is this test's own
    conn.execute("UPDATE wellness.webhook_deliveries SET next_attempt_at = now() + interval '1 day' WHERE status = 'pending'")
    a, a_id = member(api)
    subscribe(api, a, receiver, ["friend_request.received"])
    senders = [member(api) for _ in range(6)]
    for sub, _ in senders:
        assert api.post("/api/social/friends/", {"user_id": a_id}, user=sub).status == 201
    claimed = concurrently([lambda: webhook_jobs.run_sweep(None)] * 2)
    assert not any(isinstance(c, BaseException) for c in claimed), claimed
    assert sum(c["claimed"] for c in claimed) == 6
    messages = []
    while batch := queue.receive(wait=1):
        messages += batch
        for m in batch:  # keep them: each is delivered twice, at once
            boto3.client("sqs").delete_message(QueueUrl=queue.queue_url, ReceiptHandle=m["ReceiptHandle"])
    assert len(messages) == 6
    def deliver_all() -> dict[str, Any]:
        return webhook_jobs.handler(sqs_event(messages, queue.queue_arn), LambdaContext())

    results = concurrently([deliver_all, deliver_all])
    assert all(r == {"batchItemFailures": []} for r in results), results
    assert len(receiver.received) == 6 and len({r.webhook_id for r in receiver.received}) == 6
    assert all(r.verified for r in receiver.received)
    statuses = conn.execute("SELECT status, attempts FROM wellness.webhook_deliveries d JOIN wellness.webhook_endpoints e "
                            "ON e.id = d.endpoint_id WHERE e.user_id = %s", (a_id,)).fetchall()
    assert statuses == [{"status": "succeeded", "attempts": 1}] * 6


def test_a_malformed_message_is_dropped(queue: QueueDriver) -> None:
    boto3.client("sqs").send_message(QueueUrl=queue.queue_url, MessageBody='{"id": "nope"}')
    assert queue.deliver(queue.receive()) == {"batchItemFailures": []}
