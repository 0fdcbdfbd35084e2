"""Training and generation end to end through the handlers, the queues and the local provider's
signed webhooks (design document 004, M4 tests); hostile cases change no balance and no status."""

from __future__ import annotations

import json
from typing import Any

import requests

from backlot import webhooks as signing
from tests.integration.styles.gen.conftest import INTERNAL_TOKEN, small_photos, someone, wait_for
from tests.integration.styles.helpers import at_once


def _balance(gen: dict[str, Any], user: str) -> int:
    from backlot import db
    from backlot.auth import user_id_for_subject

    from styles.tokens import service

    with db.transaction() as conn:
        return service.balance(conn, user_id=user_id_for_subject(user))


def _ledger_ok() -> bool:
    from backlot import db

    from styles.tokens import service

    with db.transaction() as conn:
        return service.check(conn) == []


def trained_model(gen: dict[str, Any], name: str | None = None) -> tuple[str, str]:
    """(artist, model id) of a model trained by the local provider from 10 real photos."""
    artist = someone()
    model = gen["api"].create_model(artist, small_photos(10), name=name or f"Style {artist}", tags=["sea"]).body["data"]

    def done() -> bool:
        gen["training"].drain()
        return gen["api"].get(f"/api/models/{model['id']}", user=artist).body["data"]["training_status"] == "completed"

    wait_for(done, timeout=60)
    return artist, model["id"]


def _generate(gen: dict[str, Any], user: str, model_id: str, *, tags: list[str] | None = None, ratio: str = "16:9",
              key: str | None = None, seed: int | None = 7) -> Any:
    body = {"style_id": model_id, "prompt_tags": tags or ["harbour", "dawn"], "aspect_ratio": ratio, "seed": seed}
    return gen["api"].post("/api/images/generate", body, user=user, headers={"Idempotency-Key": key} if key else None)


def _status(gen: dict[str, Any], user: str, generation_id: str) -> dict[str, Any]:
    return gen["api"].get(f"/api/images/{generation_id}/status", user=user).body["data"]


def _settle(gen: dict[str, Any], user: str, generation_id: str) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        gen["generation"].drain()
        now = _status(gen, user, generation_id)
        return now if now["status"] in ("completed", "failed", "cancelled") else None

    return wait_for(done, timeout=30)


def test_trained_style_notifies_the_artist_and_a_paid_generation_is_rendered(gen: dict[str, Any]) -> None:
    artist, model_id = trained_model(gen)
    detail = gen["api"].get(f"/api/models/{model_id}", user=artist).body["data"]
    assert detail["is_ready"] is True
    notes = _notifications(artist)
    assert [(n["type"], n["message"], n["link"]) for n in notes] == [
        ("training_complete", f"Your style model {detail['name']} is ready!", f"/models/{model_id}")]
    user = someone()
    res = _generate(gen, user, model_id)
    assert res.status == 201, res.body
    data = res.body["data"]
    assert data["status"] == "queued" and data["cost"] == 15
    assert _balance(gen, user) == 85
    final = _settle(gen, user, data["generation_id"])
    assert final["status"] == "completed" and final["failure_reason"] is None
    png = requests.get(final["image_url"], timeout=10).content
    assert png.startswith(b"\x89PNG")
    from PIL import Image
    import io

    with Image.open(io.BytesIO(png)) as img:
        assert img.size == (1344, 768)
    assert _balance(gen, user) == 85 and _ledger_ok()
    # popularity counts the completed generation; others now see the model
    assert gen["api"].get(f"/api/models/{model_id}", user=user).body["data"]["usage_count"] == 1


def _notifications(user: str) -> list[dict[str, Any]]:
    from backlot import db
    from backlot.auth import user_id_for_subject

    with db.transaction() as conn:
        return conn.execute("SELECT type, message, link FROM styles.notifications WHERE user_id = %s ORDER BY created_at",
                            (user_id_for_subject(user),)).fetchall()


def test_a_failing_generation_is_refunded_exactly_once(gen: dict[str, Any]) -> None:
    _, model_id = trained_model(gen)
    user = someone()
    data = _generate(gen, user, model_id, tags=["provider-fail"], ratio="1:1").body["data"]
    assert _balance(gen, user) == 90
    final = _settle(gen, user, data["generation_id"])
    assert final["status"] == "failed" and "fail" in final["failure_reason"] and final["refunded"] == 10
    assert _balance(gen, user) == 100
    # the worker webhook repeating the failure changes nothing
    again = gen["api"].patch(f"/api/images/{data['generation_id']}/status", {"status": "failed"}, user=None,
                             headers={"X-Internal-Token": INTERNAL_TOKEN})
    assert again.status == 200 and again.body["data"] == {"id": data["generation_id"], "status": "failed", "changed": False}
    assert _balance(gen, user) == 100 and _ledger_ok()


def test_too_few_tokens_is_402_and_changes_nothing(gen: dict[str, Any]) -> None:
    _, model_id = trained_model(gen)
    user = someone()
    for _ in range(6):
        assert _generate(gen, user, model_id, seed=None).status == 201  # 6 x 15 = 90
    res = _generate(gen, user, model_id)
    assert res.status == 402 and res.body["error"]["code"] == "insufficient_tokens"
    assert _balance(gen, user) == 10 and _ledger_ok()
    assert _generate(gen, user, model_id, ratio="1:1").status == 201
    assert _balance(gen, user) == 0


def test_the_same_idempotency_key_charges_once_and_another_body_is_422(gen: dict[str, Any]) -> None:
    _, model_id = trained_model(gen)
    user = someone()
    results = at_once(5, lambda i: _generate(gen, user, model_id, key="k-123"))
    ids = {r.body["data"]["generation_id"] for r in results}
    assert len(ids) == 1 and all(r.status == 201 for r in results)
    assert _balance(gen, user) == 85
    other = _generate(gen, user, model_id, key="k-123", tags=["forest"])
    assert other.status == 422 and other.body["error"]["code"] == "idempotency_key_reused"
    assert _balance(gen, user) == 85 and _ledger_ok()


def test_cancel_of_a_queued_generation_refunds_and_the_late_dispatch_does_nothing(gen: dict[str, Any]) -> None:
    _, model_id = trained_model(gen)
    user = someone()
    data = _generate(gen, user, model_id).body["data"]
    res = gen["api"].post(f"/api/images/{data['generation_id']}/cancel", user=user)
    assert res.status == 200 and res.body["data"]["refunded"] == 15
    assert _balance(gen, user) == 100
    gen["generation"].drain()  # the queued message finds the task cancelled: nothing is started
    assert _status(gen, user, data["generation_id"])["status"] == "cancelled"
    again = gen["api"].post(f"/api/images/{data['generation_id']}/cancel", user=user)
    assert again.status == 409 and again.body["error"]["code"] == "not_cancellable"
    assert gen["api"].post(f"/api/images/{data['generation_id']}/cancel", user=someone()).status == 404
    assert _balance(gen, user) == 100 and _ledger_ok()


def test_forged_replayed_and_misdirected_webhooks_change_nothing(gen: dict[str, Any]) -> None:
    _, model_id = trained_model(gen)
    user = someone()
    gen["provider"].deliver_webhooks = False  # keep the real callback back; we hold the job ourselves
    try:
        first = _generate(gen, user, model_id).body["data"]
        second = _generate(gen, user, model_id).body["data"]
        gen["generation"].drain()
        rows = {g: _row(g) for g in (first["generation_id"], second["generation_id"])}
        wait_for(lambda: gen["provider"].snapshot(rows[first["generation_id"]]["provider_job_id"])["status"] == "succeeded")
        job = gen["provider"].snapshot(rows[first["generation_id"]]["provider_job_id"])
    finally:
        gen["provider"].deliver_webhooks = True
    url = f"{gen['relay'].url}/api/webhooks/provider/images/{first['generation_id']}"
    failed_job = dict(job, status="failed", output=None, error="forged")
    body = json.dumps(failed_job).encode()
    # forged: signed with another secret
    forged = signing.sign_headers("whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB", "msg_forged", body)
    assert requests.post(url, data=body, headers=forged, timeout=10).status_code == 401
    # stale: a real signature from 10 minutes ago (a replay outside the window)
    import time

    stale = signing.sign_headers(gen["provider"].secret, "msg_stale", body, timestamp=int(time.time()) - 600)
    assert requests.post(url, data=body, headers=stale, timeout=10).status_code == 401
    # misdirected: a genuine signature, but the job of the first generation sent for the second
    other_url = f"{gen['relay'].url}/api/webhooks/provider/images/{second['generation_id']}"
    genuine = signing.sign_headers(gen["provider"].secret, "msg_other", body)
    assert requests.post(other_url, data=body, headers=genuine, timeout=10).status_code == 409
    assert _status(gen, user, first["generation_id"])["status"] == "processing"
    assert _status(gen, user, second["generation_id"])["status"] == "processing"
    assert _balance(gen, user) == 70
    # the genuine success, then its replay (same id, same body) and a late failure: one change only
    ok_body = json.dumps(job).encode()
    good = signing.sign_headers(gen["provider"].secret, "msg_good", ok_body)
    assert requests.post(url, data=ok_body, headers=good, timeout=10).json()["data"]["changed"] is True
    replay = requests.post(url, data=ok_body, headers=good, timeout=10)
    assert replay.status_code == 200 and replay.json()["data"]["changed"] is False
    late = signing.sign_headers(gen["provider"].secret, "msg_late", body)
    assert requests.post(url, data=body, headers=late, timeout=10).json()["data"] == {
        "id": first["generation_id"], "status": "completed", "changed": False}
    assert _balance(gen, user) == 70 and _ledger_ok()


def _row(generation_id: str) -> dict[str, Any]:
    from backlot import db

    with db.transaction() as conn:
        return conn.execute("SELECT * FROM styles.generations WHERE id = %s", (generation_id,)).fetchone()


def test_internal_webhooks_need_the_token_and_a_failure_refunds_once_under_concurrency(gen: dict[str, Any]) -> None:
    _, model_id = trained_model(gen)
    user = someone()
    gen["provider"].deliver_webhooks = False
    try:
        data = _generate(gen, user, model_id).body["data"]
        path = f"/api/images/{data['generation_id']}/status"
        for token in (None, "wrong", INTERNAL_TOKEN + "x"):
            res = gen["api"].patch(path, {"status": "failed"}, user=None,
                                   headers={"X-Internal-Token": token} if token else None)
            assert res.status == 403 and res.body["error"]["code"] == "invalid_internal_token"
        wrong_task = gen["api"].patch(path, {"status": "failed", "task_id": "5f0e8a8e-0000-4000-8000-000000000000"},
                                      user=None, headers={"X-Internal-Token": INTERNAL_TOKEN})
        assert wrong_task.status == 409
        assert _balance(gen, user) == 85 and _status(gen, user, data["generation_id"])["status"] == "queued"
        results = at_once(10, lambda i: gen["api"].patch(path, {"status": "failed", "failure_reason": "GPU lost"},
                                                         user=None, headers={"X-Internal-Token": INTERNAL_TOKEN}))
        assert sorted(r.body["data"]["changed"] for r in results) == [False] * 9 + [True]
        assert _balance(gen, user) == 100 and _ledger_ok()
        gen["generation"].drain()  # the message finds the generation failed: nothing starts
        assert _status(gen, user, data["generation_id"])["status"] == "failed"
    finally:
        gen["provider"].deliver_webhooks = True


def test_reconcile_settles_a_job_whose_callback_never_came_and_resends_a_lost_message(gen: dict[str, Any]) -> None:
    import os

    from styles.gpu_settings import get_gpu_settings

    _, model_id = trained_model(gen)
    user = someone()
    gen["provider"].deliver_webhooks = False
    try:
        lost_callback = _generate(gen, user, model_id).body["data"]
        gen["generation"].drain()
        wait_for(lambda: gen["provider"].snapshot(_row(lost_callback["generation_id"])["provider_job_id"])["status"]
                 == "succeeded")
    finally:
        gen["provider"].deliver_webhooks = True
    # a message lost after commit: the row stays queued without enqueued_at
    saved = os.environ.pop("GENERATION_QUEUE_URL")
    get_gpu_settings.cache_clear()
    try:
        lost_message = _generate(gen, user, model_id).body["data"]
    finally:
        os.environ["GENERATION_QUEUE_URL"] = saved
    os.environ.update({"GENERATION_DEADLINE_S": "0", "REQUEUE_AFTER_S": "0"})
    get_gpu_settings.cache_clear()
    try:
        from tests.support.apigw import LambdaContext

        summary = gen["reconcile"]({}, LambdaContext())
    finally:
        os.environ.pop("GENERATION_DEADLINE_S")
        os.environ.pop("REQUEUE_AFTER_S")
        get_gpu_settings.cache_clear()
    assert summary["settled"] >= 1 and summary["resent"] >= 1
    assert _status(gen, user, lost_callback["generation_id"])["status"] == "completed"
    assert _settle(gen, user, lost_message["generation_id"])["status"] == "completed"
    assert _balance(gen, user) == 70 and _ledger_ok()


def test_a_worker_reports_a_completed_image_by_url_with_the_internal_token(gen: dict[str, Any]) -> None:
    _, model_id = trained_model(gen)
    user = someone()
    gen["provider"].deliver_webhooks = False
    try:
        data = _generate(gen, user, model_id, ratio="1:1").body["data"]
        path = f"/api/images/{data['generation_id']}/status"
        headers = {"X-Internal-Token": INTERNAL_TOKEN}
        assert gen["api"].patch(path, {"status": "processing"}, user=None, headers=headers).body["data"]["changed"]
        assert gen["api"].patch(path, {"status": "completed"}, user=None, headers=headers).status == 400
        done = gen["api"].patch(path, {"status": "completed", "image_url": "https://cdn.example.com/g.png"}, user=None,
                                headers=headers)
        assert done.body["data"] == {"id": data["generation_id"], "status": "completed", "changed": True}
        final = _status(gen, user, data["generation_id"])
        assert final["image_url"] == "https://cdn.example.com/g.png" and final["refunded"] == 0
        assert gen["api"].patch(path, {"status": "failed"}, user=None, headers=headers).body["data"]["changed"] is False
        assert _balance(gen, user) == 90 and _ledger_ok()
    finally:
        gen["provider"].deliver_webhooks = True
