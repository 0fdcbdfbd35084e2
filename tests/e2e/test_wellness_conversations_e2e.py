"""Wellness conversations and journals over HTTP against ``backlot dev`` (issue 11 items 3-7), with no
API key (the offline generator, as on a fresh clone): a user with the real StayFree export gets the
06:00 conversation and the 23:00 journal in their own time zone (the schedule's function invoked
with a fixed clock, ``AI_CLOCK``), rates one and favourites one; an on-demand conversation goes
through the real queue (``GenerateQueue`` → ``GenerateFunction``); another user's is 404."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.e2e

KINDS = ("app_usage_time", "app_usage_count", "device_unlocks")
REPO_ROOT = Path(__file__).resolve().parents[2]


def client_for(dev_server, user: str) -> httpx.Client:
    return httpx.Client(base_url=dev_server.url, timeout=120, headers={"Authorization": f"Bearer {dev_server.token(user)}"})


def submit_at(dev_server, clock: str, tmp: Path) -> dict:
    """AiSubmitFunction run once as at ``clock`` (UTC), in the running server's database."""
    env_vars = tmp / f"ai-clock-{uuid.uuid4().hex[:6]}.json"
    env_vars.write_text(json.dumps({"WellnessJobsStack/AiSubmitFunction": {"AI_CLOCK": clock}}))
    done = subprocess.run([sys.executable, "-m", "backlot_local", "invoke", "WellnessJobsStack/AiSubmitFunction",
                           "--env-vars", str(env_vars)], env=dev_server.env, cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_stayfree_user_gets_a_morning_conversation_and_an_evening_journal_in_their_time_zone(
        dev_server, shared_data: Path, tmp_path: Path) -> None:
    folder = shared_data / "usage" / "stayfree_personal"
    with client_for(dev_server, f"ai-{uuid.uuid4().hex[:6]}") as http:
        assert http.patch("/wellness/api/accounts/profile/", json={"time_zone": "Asia/Manila"}).status_code == 200
        device = http.post("/wellness/api/devices/", json={"name": "Moto", "platform": "android", "personality_type": "gossip"})
        assert device.status_code == 201, device.text
        device_id = device.json()["id"]
        files = {k: (f"{k}_motorola.csv", (folder / f"{k}_motorola.csv").read_bytes(), "text/csv") for k in KINDS}
        found = http.post("/wellness/api/usage/data/import/stayfree/", data={"device_id": device_id}, files=files)
        assert found.status_code == 200, found.text
        # the export's last day with usage is 2024-04-21 (the 22nd is all zeros); Manila is UTC+8
        submit_at(dev_server, "2024-04-21T15:05:00+00:00", tmp_path)  # 23:05 in Manila: journals of the 21st
        journals = http.get("/wellness/api/conversations/journals/", params={"device_id": device_id}).json()["results"]
        assert [(j["for_date"], j["status"], j["provider"]) for j in journals] == [("2024-04-21", "ready", "offline")]
        assert journals[0]["entry"] and journals[0]["subject_id"] == device_id
        apps = http.get("/wellness/api/conversations/journals/", params={"subject_kind": "app"}).json()["results"]
        assert 1 <= len(apps) <= 50 and all(a["for_date"] == "2024-04-21" for a in apps)
        submit_at(dev_server, "2024-04-21T21:55:00+00:00", tmp_path)  # 05:55 on the 22nd: not yet
        days = {c["for_date"] for c in http.get("/wellness/api/conversations/").json()["results"]}
        assert "2024-04-21" not in days
        submit_at(dev_server, "2024-04-21T22:05:00+00:00", tmp_path)  # 06:05 on the 22nd: yesterday's conversation
        morning = http.get("/wellness/api/conversations/", params={"date": "2024-04-21"}).json()["results"]
        assert len(morning) == 1 and morning[0]["status"] == "ready" and morning[0]["provider"] == "offline"
        convo = morning[0]
        assert {t["speaker"]["id"] for t in convo["turns"]} <= {p["id"] for p in convo["participants"]}
        assert any(p["id"] == device_id for p in convo["participants"])
        assert http.post(f"/wellness/api/conversations/{convo['id']}/rate/", json={"rating": 5}).json()["rating"] == 5
        assert http.post(f"/wellness/api/conversations/{journals[0]['id']}/toggle_favorite/").json()["is_favorite"] is True
        favourites = http.get("/wellness/api/conversations/journals/", params={"device_id": device_id}).json()["results"]
        assert favourites[0]["is_favorite"] is True
        # on demand, through the real queue
        asked = http.post("/wellness/api/conversations/generate/", json={
            "conversation_type": "app_drama", "mood": "dramatic", "device_ids": [device_id], "app_ids": []})
        assert asked.status_code == 202 and asked.json()["status"] == "pending", asked.text
        deadline = time.monotonic() + 60
        while True:
            got = http.get(f"/wellness/api/conversations/{asked.json()['id']}/").json()
            if got["status"] != "pending" or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert got["status"] == "ready" and got["conversation_type"] == "app_drama", dev_server.log()[-3000:]
        with client_for(dev_server, f"other-{uuid.uuid4().hex[:6]}") as other:
            assert other.get(f"/wellness/api/conversations/{convo['id']}/").status_code == 404
            assert other.post(f"/wellness/api/conversations/{convo['id']}/rate/", json={"rating": 1}).status_code == 404
