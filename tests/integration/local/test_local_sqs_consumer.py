"""The SQS event source mapping with a real worker process and the emulator's redrive policy."""

from __future__ import annotations

import time

import pytest

from backlot_local.sqs import SqsPoller
from backlot_local.workers import WorkerPool

from .conftest import drain


@pytest.fixture()
def consumer(jobs_app, local_moto, sqs):
    (source,) = jobs_app.sqs_sources
    queue = jobs_app.queue_by_arn(source.queue_arn)
    dead_letter = jobs_app.queue_by_arn(queue.dead_letter_arn)
    for url in (queue.url, dead_letter.url):
        drain(sqs, url)
    logged: list[str] = []
    pool = WorkerPool({"AWS_ENDPOINT_URL": local_moto}, log=logged.append)
    poller = SqsPoller(source, queue, local_moto, pool.invoke, retry_delay_s=1, log=logged.append)
    yield poller, queue, dead_letter, logged
    pool.stop()


def _poll_until(poller, predicate, timeout: float = 30.0) -> list:
    deliveries, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        delivery = poller.poll_once()
        if delivery is not None:
            deliveries.append(delivery)
        if predicate(deliveries):
            return deliveries
    raise AssertionError(f"condition not met after {timeout} s; deliveries: {deliveries}")


def _dead_letters(sqs, url: str) -> list[dict]:
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, AttributeNames=["All"]).get("Messages", [])


def test_partial_failure_deletes_the_success_and_dead_letters_the_failure(consumer, sqs) -> None:
    poller, queue, dead_letter, logged = consumer
    ok_id = sqs.send_message(QueueUrl=queue.url, MessageBody="ok")["MessageId"]
    fail_id = sqs.send_message(QueueUrl=queue.url, MessageBody="fail")["MessageId"]

    first = _poll_until(poller, lambda d: d and set(d[0].message_ids) == {ok_id, fail_id} or len(d) > 1)[0]
    assert set(first.message_ids) == {ok_id, fail_id} and first.failed == {fail_id}

    # The failure comes back until its receive count passes maxReceiveCount (2); then it is in the DLQ.
    later = _poll_until(poller, lambda d: len(d) >= 1, timeout=15)
    assert later[0].message_ids == [fail_id] and later[0].failed == {fail_id}
    deadline, dead = time.monotonic() + 15, []
    while not dead and time.monotonic() < deadline:
        assert poller.poll_once() is None  # nothing but the failure was left, and it has moved on
        dead = _dead_letters(sqs, dead_letter.url)
    (message,) = dead
    assert message["MessageId"] == fail_id and message["Body"] == "fail"
    assert int(message["Attributes"]["ApproximateReceiveCount"]) > queue.max_receive_count
    attributes = sqs.get_queue_attributes(QueueUrl=queue.url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    assert attributes == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}  # 'ok' was deleted
    assert any("1 failed" in line for line in logged) and any("next receive moves it to" in line for line in logged)


def test_an_exception_fails_the_whole_batch(consumer, sqs) -> None:
    poller, queue, _, _ = consumer
    ids = {sqs.send_message(QueueUrl=queue.url, MessageBody=body)["MessageId"] for body in ("ok", "raise")}
    deliveries = _poll_until(poller, lambda d: sum(len(x.message_ids) for x in d) >= 4)
    assert all(d.failed == set(d.message_ids) for d in deliveries)
    assert {m for d in deliveries for m in d.message_ids} == ids
    assert deliveries[0].result.error["errorType"] == "RuntimeError"
