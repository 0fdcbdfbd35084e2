"""Wellness notifications and webhooks over HTTP against ``backlot dev`` (issue 11; document 001
known limitation 6): a user registers a webhook at a local receiver, asks for a conversation; the
generation (GenerateQueue → GenerateFunction, offline) makes it ready, the feed shows
``conversation.ready``, and the sweep (WebhookSweepFunction, run once here rather than waiting
for its minute) sends it through WebhookDeliveryQueue → WebhookDeliveryFunction: the receiver
gets it signed per Standard Webhooks with the secret shown at creation."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_a_ready_conversation_is_in_the_feed_and_arrives_as_a_signed_webhook(dev_server) -> None:
    receiver = WebhookReceiver()
    url = receiver.start()
    token = dev_server.token(f"hook-{uuid.uuid4().hex[:6]}")
    try:
        with httpx.Client(base_url=dev_server.url, timeout=120, headers={"Authorization": f"Bearer {token}"}) as http:
            hook = http.post("/wellness/api/webhooks/", json={"url": url, "events": ["conversation.ready"]})
            assert hook.status_code == 201, hook.text
            receiver.secret = hook.json()["secret"]
            assert "secret" not in http.get("/wellness/api/webhooks/").json()["results"][0]
            device = http.post("/wellness/api/devices/", json={"name": "Moto", "platform": "android", "personality_type": "gossip"})
            assert device.status_code == 201, device.text
            asked = http.post("/wellness/api/conversations/generate/", json={
                "conversation_type": "app_drama", "mood": "dramatic", "device_ids": [device.json()["id"]], "app_ids": []})
            assert asked.status_code == 202, asked.text
            cid = asked.json()["id"]
            deadline = time.monotonic() + 90
            feed: list = []
            while time.monotonic() < deadline:
                feed = http.get("/wellness/api/notifications/", params={"unread": "true"}).json()["results"]
                if feed:
                    break
                time.sleep(0.5)
            assert [(n["event"], n["data"]["conversation_id"]) for n in feed] == [("conversation.ready", cid)], dev_server.log()[-3000:]
            done = subprocess.run([sys.executable, "-m", "backlot_local", "invoke", "WellnessJobsStack/WebhookSweepFunction"],
                                  env=dev_server.env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stdout + done.stderr
            deadline = time.monotonic() + 90
            while not receiver.received and time.monotonic() < deadline:
                time.sleep(0.5)
            assert len(receiver.received) == 1, dev_server.log()[-3000:]
            got = receiver.received[0]
            assert got.verified, got.error
            assert got.json["type"] == "conversation.ready" and got.json["data"]["conversation_id"] == cid
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                [delivery] = http.get(f"/wellness/api/webhooks/{hook.json()['id']}/deliveries/").json()["results"]
                if delivery["status"] != "pending":
                    break
                time.sleep(0.5)
            assert delivery["status"] == "succeeded" and delivery["webhook_id"] == got.webhook_id
            assert http.post("/wellness/api/notifications/read_all/").json() == {"marked": 1}
    finally:
        receiver.stop()
