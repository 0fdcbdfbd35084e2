"""The dispatchers and the reconcile job against the queues and the local provider: a malformed
message ends in the dead-letter queue, a provider that does not answer leaves the job queued for a
retry, one message delivered twice at once starts one provider job, and a training whose callback
never came is settled by asking the provider."""

from __future__ import annotations

import os
from typing import Any

from tests.integration.styles.gen.conftest import small_photos, someone, wait_for
from tests.integration.styles.helpers import at_once
from tests.support.apigw import LambdaContext


def _model_row(model_id: str) -> dict[str, Any]:
    from backlot import db

    with db.transaction() as conn:
        return conn.execute("SELECT * FROM styles.style_models WHERE id = %s", (model_id,)).fetchone()


def test_a_malformed_message_fails_its_record_and_ends_in_the_dead_letter_queue(gen: dict[str, Any]) -> None:
    sqs = gen["sqs"]
    url = gen["generation"].queue_url
    sqs.send_message(QueueUrl=url, MessageBody='{"type": "image_generation", "data": {}}')
    dlq = url + "-dlq"
    failures = 0
    for _ in range(3):
        messages = wait_for(lambda: gen["generation"].receive(wait=1), timeout=10)
        failures += len(gen["generation"].deliver(messages)["batchItemFailures"])
    assert failures == 3
    # the next receive past maxReceiveCount moves it to the dead-letter queue (SQS redrive)
    moved = wait_for(lambda: gen["generation"].receive(wait=1) == []
                     and sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=1).get("Messages"), timeout=15)
    assert "image_generation" in moved[0]["Body"]


def test_an_unreachable_provider_leaves_the_training_queued_and_the_message_is_retried(gen: dict[str, Any]) -> None:
    from styles.gpu_settings import get_gpu_settings
    from styles.provider.factory import get_provider

    artist = someone()
    model = gen["api"].create_model(artist, small_photos(10), name="Patient").body["data"]
    saved = os.environ["PROVIDER_BASE_URL"]
    os.environ["PROVIDER_BASE_URL"] = "http://127.0.0.1:9"  # discard port: nothing listens
    get_gpu_settings.cache_clear()
    get_provider.cache_clear()
    try:
        messages = [m for m in wait_for(lambda: gen["training"].receive(wait=1)) if model["id"] in m["Body"]]
        result = gen["training"].deliver(messages)
        assert [f["itemIdentifier"] for f in result["batchItemFailures"]] == [messages[0]["MessageId"]]
        assert _model_row(model["id"])["training_status"] == "queued"
    finally:
        os.environ["PROVIDER_BASE_URL"] = saved
        get_gpu_settings.cache_clear()
        get_provider.cache_clear()

    def trained() -> bool:
        gen["training"].drain()
        return _model_row(model["id"])["training_status"] == "completed"

    wait_for(trained, timeout=60)


def test_one_message_delivered_twice_at_once_starts_one_provider_job(gen: dict[str, Any]) -> None:
    from styles import dispatch, messages

    artist = someone()
    model = gen["api"].create_model(artist, small_photos(10), name="Twice").body["data"]
    raw = [m for m in wait_for(lambda: gen["training"].receive(wait=1)) if model["id"] in m["Body"]][0]
    message = messages.parse_training(raw["Body"])
    before = len(gen["provider"].jobs)
    outcomes = at_once(4, lambda i: dispatch.dispatch_training(message))
    assert sorted(outcomes).count("started") == 1, outcomes
    started = [j for j in list(gen["provider"].jobs.values())[before:] if j.get("destination")]
    recorded = _model_row(model["id"])["provider_job_id"]
    # every other provider job this race started was cancelled again
    assert all(j["id"] == recorded or gen["provider"].snapshot(j["id"])["status"] == "canceled" for j in started)


def test_reconcile_settles_a_training_whose_callback_never_came(gen: dict[str, Any]) -> None:
    from styles.gpu_settings import get_gpu_settings

    artist = someone()
    gen["provider"].deliver_webhooks = False
    try:
        model = gen["api"].create_model(artist, small_photos(10), name="Silent").body["data"]
        gen["training"].drain()
        job = wait_for(lambda: _model_row(model["id"])["provider_job_id"])
        wait_for(lambda: gen["provider"].snapshot(job)["status"] == "succeeded")
    finally:
        gen["provider"].deliver_webhooks = True
    assert _model_row(model["id"])["training_status"] == "training"
    os.environ["TRAINING_DEADLINE_S"] = "0"
    get_gpu_settings.cache_clear()
    try:
        summary = gen["reconcile"]({}, LambdaContext())
    finally:
        os.environ.pop("TRAINING_DEADLINE_S")
        get_gpu_settings.cache_clear()
    assert summary["settled"] >= 1
    row = _model_row(model["id"])
    assert row["training_status"] == "completed" and row["model_path"]
