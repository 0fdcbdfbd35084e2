"""The family product wired to real PostgreSQL and the AWS emulator, called through its Lambda
handlers with real API Gateway and SQS event shapes."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
import uuid
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from urllib3 import encode_multipart_formdata

from tests.support.apigw import LambdaContext, http_event

UPLOADS = "backlot-test-family-uploads"
MEDIA = "backlot-test-family-media"


@dataclass
class Response:
    status: int
    body: Any
    headers: dict[str, str]


class FamilyApi:
    """Calls ``family.api.handler`` as API Gateway would, as a named user."""

    def __init__(self, handler: Any):
        self.handler = handler

    def call(self, method: str, path: str, *, user: str | None = "alice", json_body: Any = None, query: dict | None = None,
             body: bytes | None = None, content_type: str | None = None) -> Response:
        claims = {"sub": user, "email": f"{user}@example.com"} if user else None
        event = http_event(method, path, base_path="/family", query=query, json_body=json_body, body=body,
                           content_type=content_type, claims=claims)
        out = self.handler(event, LambdaContext())
        raw = out.get("body") or ""
        if out.get("isBase64Encoded"):
            raw = base64.b64decode(raw).decode()
        parsed = json.loads(raw) if raw else None
        return Response(out["statusCode"], parsed, out.get("headers", {}))

    def get(self, path: str, **kw: Any) -> Response:
        return self.call("GET", path, **kw)

    def post(self, path: str, json_body: Any = None, **kw: Any) -> Response:
        return self.call("POST", path, json_body=json_body, **kw)

    def patch(self, path: str, json_body: Any = None, **kw: Any) -> Response:
        return self.call("PATCH", path, json_body=json_body, **kw)

    def delete(self, path: str, **kw: Any) -> Response:
        return self.call("DELETE", path, **kw)

    def upload(self, data: bytes, household_id: str, *, filename: str = "photo.jpg", content_type: str = "image/jpeg",
               user: str = "alice", **fields: str) -> Response:
        form = {"household_id": household_id, **fields, "file": (filename, data, content_type)}
        body, ctype = encode_multipart_formdata(form)
        return self.call("POST", "/api/v1/media/upload/", user=user, body=body, content_type=ctype)

    def user_id(self, user: str) -> str:
        return self.get("/api/v1/me/", user=user).body["user_id"]

    def household(self, user: str, name: str = "Home") -> str:
        return self.post("/api/v1/households/", {"name": name}, user=user).body["id"]


@pytest.fixture(scope="session")
def family_env(database_url: str, aws_endpoint: str) -> dict[str, str]:
    """Buckets and the media queue as the family template declares them (uploads → SQS)."""
    os.environ.update({"UPLOADS_BUCKET": UPLOADS, "MEDIA_BUCKET": MEDIA, "API_BASE_PATH": "/family",
                       "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_DISABLED": "true",
                       "POWERTOOLS_SERVICE_NAME": "family"})
    s3, sqs = boto3.client("s3"), boto3.client("sqs")
    dlq = sqs.create_queue(QueueName="family-media-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue = sqs.create_queue(QueueName="family-media", Attributes={
        "VisibilityTimeout": "1",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"}),
    })["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    for bucket in (UPLOADS, MEDIA):
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_notification_configuration(
        Bucket=UPLOADS,
        NotificationConfiguration={"QueueConfigurations": [{
            "QueueArn": arn, "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "originals/"}]}},
        }]},
    )
    return {"queue_url": queue, "queue_arn": arn, "dlq_url": dlq}


@pytest.fixture(scope="session")
def api(family_env: dict[str, str]) -> FamilyApi:
    from family.api import handler

    return FamilyApi(handler)


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The event Lambda's SQS event source mapping delivers (AWS docs, "Using Lambda with Amazon SQS")."""
    return {"Records": [{
        "messageId": m["MessageId"],
        "receiptHandle": m["ReceiptHandle"],
        "body": m["Body"],
        "attributes": {"ApproximateReceiveCount": m.get("Attributes", {}).get("ApproximateReceiveCount", "1"),
                       "SentTimestamp": str(int(time.time() * 1000)), "SenderId": "s3", "ApproximateFirstReceiveTimestamp": "0"},
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(m["Body"].encode()).hexdigest(),  # noqa: S324 - SQS's own checksum
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": "us-east-1",
    } for m in messages]}


class MediaQueue:
    """Drains the media queue into ``family.media.handler.handler`` like the event source mapping."""

    def __init__(self, env: dict[str, str]):
        self.env = env
        self.sqs = boto3.client("sqs")

    def receive(self, wait: float = 2.0) -> list[dict[str, Any]]:
        out = self.sqs.receive_message(QueueUrl=self.env["queue_url"], MaxNumberOfMessages=10, WaitTimeSeconds=int(wait),
                                       AttributeNames=["All"])
        return out.get("Messages", [])

    def deliver(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        from family.media.handler import handler

        result = handler(sqs_event(messages, self.env["queue_arn"]), LambdaContext())
        failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
        for m in messages:
            if m["MessageId"] not in failed:
                self.sqs.delete_message(QueueUrl=self.env["queue_url"], ReceiptHandle=m["ReceiptHandle"])
        return result

    def drain(self) -> int:
        """Deliver until the queue is empty; returns how many messages were delivered."""
        count = 0
        while messages := self.receive(wait=1):
            self.deliver(messages)
            count += len(messages)
        return count


@pytest.fixture()
def media_queue(family_env: dict[str, str]) -> MediaQueue:
    queue = MediaQueue(family_env)
    queue.drain()
    return queue


def new_user() -> str:
    return f"user-{uuid.uuid4().hex[:8]}"
