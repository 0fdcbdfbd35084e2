"""SQS event source mappings: poll a queue, deliver batches to the function, delete what succeeded.

Follows the Lambda developer guide, "Using Lambda with Amazon SQS":

* Long polling (1 s) for up to ``BatchSize`` messages (several receives of at most 10 when the batch
  is larger, within ``MaximumBatchingWindowInSeconds``), delivered as the SQS event: ``Records``
  with ``messageId``, ``receiptHandle``, ``body``, ``attributes`` (``ApproximateReceiveCount``, ...),
  ``messageAttributes`` (``stringValue``/``binaryValue``/``...ListValues``/``dataType``), ``md5OfBody``,
  ``eventSource`` ``aws:sqs``, ``eventSourceARN``, ``awsRegion``.
* Without ``ReportBatchItemFailures``, a function error fails the whole batch and success deletes
  it. With it, only the messages named in ``batchItemFailures`` fail; an empty or null list is
  success; a malformed response (not an object, an item without a valid ``itemIdentifier`` of this
  batch) fails the whole batch ("Handling errors ... partial batch responses").
* A failed message returns to the queue and is received again; the queue's ``RedrivePolicy`` moves
  it to the dead-letter queue when its receive count exceeds ``maxReceiveCount`` (the emulator does
  that on receive, as SQS does).

Local difference: on AWS a failed message stays invisible for the queue's whole
``VisibilityTimeout`` (360 s for the media queue). Locally the queue keeps that timeout (so a
message is never redelivered while its handler is still running), but a failed message is made
visible again after ``retry_delay_s`` (1 s) so retries happen quickly.
One batch is in flight per mapping at a time. One log line is printed per delivery.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from backlot_local import REGION
from backlot_local.emulator import client
from backlot_local.template import Function, Queue, SqsSource
from backlot_local.workers import InvokeResult


def _message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "StringValue" in value:
        out["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        out["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    out["stringListValues"] = list(value.get("StringListValues") or [])
    out["binaryListValues"] = [base64.b64encode(b).decode() for b in value.get("BinaryListValues") or []]
    out["dataType"] = value.get("DataType", "String")
    return out


def sqs_record(message: dict[str, Any], queue_arn: str, region: str = REGION) -> dict[str, Any]:
    """One record of the SQS event, from a ``ReceiveMessage`` result message."""
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": dict(message.get("Attributes") or {}),
        "messageAttributes": {k: _message_attribute(v) for k, v in (message.get("MessageAttributes") or {}).items()},
        "md5OfBody": message.get("MD5OfBody", ""),
    }
    if message.get("MD5OfMessageAttributes"):
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    record.update({"eventSource": "aws:sqs", "eventSourceARN": queue_arn, "awsRegion": region})
    return record


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The event Lambda's SQS poller sends for a batch."""
    return {"Records": [sqs_record(m, queue_arn) for m in messages]}


def failed_message_ids(result: InvokeResult, message_ids: list[str], report_batch_item_failures: bool) -> set[str]:
    """Which messages of the batch failed, by Lambda's rules (see the module docstring)."""
    everything = set(message_ids)
    if not result.ok:
        return everything
    if not report_batch_item_failures:
        return set()
    response = result.result
    if response is None:
        return set()
    if not isinstance(response, dict):
        return everything
    failures = response.get("batchItemFailures")
    if not failures:
        return set()
    if not isinstance(failures, list):
        return everything
    failed = set()
    for item in failures:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not identifier or identifier not in everything:
            return everything
        failed.add(identifier)
    return failed


@dataclass
class Delivery:
    """What one delivery did."""

    message_ids: list[str]
    failed: set[str] = field(default_factory=set)
    result: InvokeResult | None = None


class SqsPoller:
    """The event source mapping of one SQS event of one function.

    Args:
        invoke: runs the function with an event and returns the :class:`InvokeResult`.
        retry_delay_s: seconds before a failed message is visible again (local acceleration).
        wait_s: long-poll wait of each receive.
    """

    def __init__(
        self,
        source: SqsSource,
        queue: Queue,
        endpoint: str,
        invoke: Callable[[Function, dict[str, Any]], InvokeResult],
        *,
        retry_delay_s: int = 1,
        wait_s: int = 1,
        log: Callable[[str], None] = print,
    ):
        self.source, self.queue, self.invoke = source, queue, invoke
        self.sqs = client("sqs", endpoint)
        self.retry_delay_s, self.wait_s, self.log = retry_delay_s, wait_s, log
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _receive(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        deadline = time.monotonic() + self.source.batching_window_s
        wait = self.wait_s
        while len(messages) < self.source.batch_size and not self._stop.is_set():
            got = self.sqs.receive_message(
                QueueUrl=self.queue.url,
                MaxNumberOfMessages=min(10, self.source.batch_size - len(messages)),
                WaitTimeSeconds=wait,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            messages += got
            if not got and (not messages or time.monotonic() >= deadline):
                break
            if len(got) < 10 and time.monotonic() >= deadline:
                break
            wait = 1 if time.monotonic() < deadline else 0
        return messages

    def poll_once(self) -> Delivery | None:
        """Receive one batch, deliver it, delete the successes; None when the queue was empty."""
        messages = self._receive()
        if not messages:
            return None
        started = time.perf_counter()
        event = sqs_event(messages, self.queue.arn)
        result = self.invoke(self.source.function, event)
        ids = [m["MessageId"] for m in messages]
        failed = failed_message_ids(result, ids, self.source.report_batch_item_failures)
        succeeded = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(succeeded), 10):
            chunk = succeeded[start : start + 10]
            self.sqs.delete_message_batch(
                QueueUrl=self.queue.url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
            )
        retry = [m for m in messages if m["MessageId"] in failed]
        for start in range(0, len(retry), 10):
            chunk = retry[start : start + 10]
            self.sqs.change_message_visibility_batch(
                QueueUrl=self.queue.url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": self.retry_delay_s} for i, m in enumerate(chunk)],
            )
        self.log(self._summary(messages, failed, result, time.perf_counter() - started))
        return Delivery(ids, failed, result)

    def _summary(self, messages: list[dict[str, Any]], failed: set[str], result: InvokeResult, seconds: float) -> str:
        line = f"[sqs] {self.source.function.id} <- {self.queue.name}: {len(messages)} message(s)"
        if not result.ok and result.error:
            line += f", function error {result.error.get('errorType')}: {result.error.get('errorMessage')}"
        if failed:
            line += f", {len(failed)} failed, retry in {self.retry_delay_s} s"
            counts = [int((m.get("Attributes") or {}).get("ApproximateReceiveCount", "1")) for m in messages if m["MessageId"] in failed]
            if self.queue.max_receive_count and counts and max(counts) >= self.queue.max_receive_count:
                dlq = (self.queue.dead_letter_arn or "").rsplit(":", 1)[-1]
                line += f" (received {max(counts)}x, maxReceiveCount {self.queue.max_receive_count}: next receive moves it to {dlq})"
        else:
            line += ", all succeeded"
        return line + f" [{seconds * 1000:.0f} ms{', cold start' if result.cold_start else ''}]"

    def run(self) -> None:
        """Poll until :meth:`stop`; errors talking to the emulator are logged and retried."""
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception as exc:  # noqa: BLE001 - keep polling, as Lambda's poller does
                if self._stop.is_set():
                    break
                self.log(f"[sqs] {self.source.function.id} <- {self.queue.name}: poll failed: {exc}")
                self._stop.wait(1)

    def start(self) -> None:
        """Poll in a daemon thread."""
        self._thread = threading.Thread(target=self.run, name=f"sqs-{self.queue.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5, *, wait: bool = True) -> None:
        """Stop polling; with ``wait``, wait for the batch in flight up to ``timeout`` seconds
        (``backlot dev`` tells every poller first, then joins them all: see :meth:`join`)."""
        self._stop.set()
        if wait:
            self.join(timeout)

    def join(self, timeout: float = 5) -> None:
        """Wait up to ``timeout`` seconds for the polling thread to end."""
        if self._thread is not None:
            self._thread.join(timeout)
