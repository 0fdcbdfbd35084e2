"""Drive Lambda handlers in-process with real event shapes: HTTP (API Gateway payload 2.0) and
SQS (the event source mapping's batches, with partial batch responses honoured)."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

import boto3

from tests.support.apigw import LambdaContext, http_event


@dataclass
class Response:
    status: int
    body: Any
    headers: dict[str, str]


class ApiClient:
    """Calls an HTTP handler as API Gateway would, as a named user (claims of a verified JWT)."""

    def __init__(self, handler: Any, base_path: str):
        self.handler = handler
        self.base_path = base_path

    def call(self, method: str, path: str, *, user: str | None = "alice", groups: tuple[str, ...] = (),
             json_body: Any = None, query: dict | None = None, body: bytes | None = None,
             content_type: str | None = None, headers: dict[str, str] | None = None) -> Response:
        claims = None
        if user:
            claims = {"sub": user, "email": f"{user}@example.com"}
            if groups:
                claims["cognito:groups"] = "[" + " ".join(groups) + "]"  # as API Gateway flattens arrays
        event = http_event(method, path, base_path=self.base_path, query=query, json_body=json_body, body=body,
                           content_type=content_type, claims=claims)
        if headers:
            event["headers"].update({k.lower(): v for k, v in headers.items()})
        out = self.handler(event, LambdaContext())
        raw = out.get("body") or ""
        if out.get("isBase64Encoded"):
            raw = base64.b64decode(raw).decode()
        try:
            parsed = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            parsed = raw
        return Response(out["statusCode"], parsed, out.get("headers", {}))

    def get(self, path: str, **kw: Any) -> Response:
        return self.call("GET", path, **kw)

    def post(self, path: str, json_body: Any = None, **kw: Any) -> Response:
        return self.call("POST", path, json_body=json_body, **kw)

    def patch(self, path: str, json_body: Any = None, **kw: Any) -> Response:
        return self.call("PATCH", path, json_body=json_body, **kw)

    def put(self, path: str, json_body: Any = None, **kw: Any) -> Response:
        return self.call("PUT", path, json_body=json_body, **kw)

    def delete(self, path: str, **kw: Any) -> Response:
        return self.call("DELETE", path, **kw)


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The event Lambda's SQS event source mapping delivers (AWS docs, "Using Lambda with Amazon SQS")."""
    return {"Records": [{
        "messageId": m["MessageId"],
        "receiptHandle": m["ReceiptHandle"],
        "body": m["Body"],
        "attributes": {"ApproximateReceiveCount": m.get("Attributes", {}).get("ApproximateReceiveCount", "1"),
                       "SentTimestamp": str(int(time.time() * 1000)), "SenderId": "AIDAEXAMPLE",
                       "ApproximateFirstReceiveTimestamp": str(int(time.time() * 1000))},
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(m["Body"].encode()).hexdigest(),  # noqa: S324 - SQS's own checksum
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": "us-east-1",
    } for m in messages]}


class QueueDriver:
    """Drains a real (emulated) SQS queue into a consumer handler like the event source mapping:
    successes are deleted, failures stay for redelivery (and the dead-letter queue)."""

    def __init__(self, handler: Any, queue_url: str):
        self.handler = handler
        self.queue_url = queue_url
        self.sqs = boto3.client("sqs")
        self.queue_arn = self.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def receive(self, wait: float = 1.0) -> list[dict[str, Any]]:
        out = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=int(wait),
                                       AttributeNames=["All"])
        return out.get("Messages", [])

    def deliver(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        result = self.handler(sqs_event(messages, self.queue_arn), LambdaContext())
        failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
        for m in messages:
            if m["MessageId"] not in failed:
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])
        return result

    def drain(self) -> int:
        """Deliver until the queue is empty; returns how many messages were delivered."""
        count = 0
        while messages := self.receive(wait=1):
            self.deliver(messages)
            count += len(messages)
        return count
