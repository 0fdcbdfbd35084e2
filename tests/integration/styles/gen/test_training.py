"""Training status webhooks: the internal token, the document's notifications on complete and
failed, and duplicate or concurrent reports changing a model once."""

from __future__ import annotations

import json
from typing import Any

import requests

from backlot import webhooks as signing
from tests.integration.styles.gen.conftest import INTERNAL_TOKEN, small_photos, someone, wait_for
from tests.integration.styles.helpers import at_once


def _notes(user: str) -> list[dict[str, Any]]:
    from backlot import db
    from backlot.auth import user_id_for_subject

    with db.transaction() as conn:
        return conn.execute("SELECT type, message, link FROM styles.notifications WHERE user_id = %s "
                            "AND type LIKE 'training%%' ORDER BY created_at", (user_id_for_subject(user),)).fetchall()


def _patch(gen: dict[str, Any], model_id: str, body: dict[str, Any], token: str | None = INTERNAL_TOKEN) -> Any:
    return gen["api"].patch(f"/api/models/{model_id}/status", body, user=None,
                            headers={"X-Internal-Token": token} if token else None)


def test_a_failed_training_notifies_the_artist_once_with_the_reason(gen: dict[str, Any]) -> None:
    artist = someone()
    model = gen["api"].create_model(artist, small_photos(10), name="Doomed").body["data"]
    assert _patch(gen, model["id"], {"status": "failed", "failure_reason": "loss diverged"}, token="nope").status == 403
    assert _patch(gen, model["id"], {"status": "training"}).body["data"]["changed"] is True
    results = at_once(8, lambda i: _patch(gen, model["id"], {"status": "failed", "failure_reason": "loss diverged"}))
    assert sorted(r.body["data"]["changed"] for r in results) == [False] * 7 + [True]
    # a late "completed" and a late "training" change nothing
    late = _patch(gen, model["id"], {"status": "completed", "model_path": "o/n:v"})
    assert late.body["data"] == {"id": model["id"], "status": "failed", "changed": False}
    assert _patch(gen, model["id"], {"status": "training"}).body["data"]["changed"] is False
    detail = gen["api"].get(f"/api/models/{model['id']}", user=artist).body["data"]
    assert detail["training_status"] == "failed" and detail["failure_reason"] == "loss diverged"
    assert _notes(artist) == [{"type": "training_failed", "message": "Training failed for Doomed. loss diverged",
                               "link": f"/models/{model['id']}"}]
    gen["training"].drain()  # its queued message finds it failed: nothing is started
    assert gen["api"].get(f"/api/models/{model['id']}", user=artist).body["data"]["training_status"] == "failed"


def test_completed_without_a_model_path_is_400_and_unknown_models_404(gen: dict[str, Any]) -> None:
    artist = someone()
    model = gen["api"].create_model(artist, small_photos(10), name="Pathless").body["data"]
    assert _patch(gen, model["id"], {"status": "completed"}).status == 400
    assert _patch(gen, "3f3f3f3f-0000-4000-8000-000000000000", {"status": "training"}).status == 404
    assert _patch(gen, model["id"], {"status": "bogus"}).status == 422
    assert gen["api"].get(f"/api/models/{model['id']}", user=artist).body["data"]["training_status"] == "queued"


def test_a_provider_callback_for_another_training_changes_nothing(gen: dict[str, Any]) -> None:
    artist = someone()
    gen["provider"].deliver_webhooks = False
    try:
        a = gen["api"].create_model(artist, small_photos(10), name="First").body["data"]
        b = gen["api"].create_model(artist, small_photos(10), name="Second").body["data"]
        gen["training"].drain()

        def job_of(model_id: str) -> str | None:
            from backlot import db

            with db.transaction() as conn:
                return conn.execute("SELECT provider_job_id FROM styles.style_models WHERE id = %s",
                                    (model_id,)).fetchone()["provider_job_id"]

        job_a = wait_for(lambda: job_of(a["id"]))
        done = wait_for(lambda: (gen["provider"].snapshot(job_a) or {}).get("status") == "succeeded"
                        and gen["provider"].snapshot(job_a))
    finally:
        gen["provider"].deliver_webhooks = True
    body = json.dumps(done).encode()
    headers = signing.sign_headers(gen["provider"].secret, "msg_cross", body)
    wrong = requests.post(f"{gen['relay'].url}/api/webhooks/provider/models/{b['id']}", data=body, headers=headers,
                          timeout=10)
    assert wrong.status_code == 409 and wrong.json()["error"]["code"] == "webhook_job_mismatch"
    assert gen["api"].get(f"/api/models/{b['id']}", user=artist).body["data"]["training_status"] == "training"
    right = requests.post(f"{gen['relay'].url}/api/webhooks/provider/models/{a['id']}", data=body, headers=headers,
                          timeout=10)
    assert right.status_code == 200 and right.json()["data"]["status"] == "completed"
    assert [n["type"] for n in _notes(artist)] == ["training_complete"]
