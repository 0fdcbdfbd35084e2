"""The family product wired to real PostgreSQL and the AWS emulator, called through its Lambda
handlers with real API Gateway and SQS event shapes."""

from __future__ import annotations

import json
import os
import uuid

import boto3
import pytest
from urllib3 import encode_multipart_formdata

from tests.support.clients import ApiClient, QueueDriver, Response

UPLOADS = "backlot-test-family-uploads"
MEDIA = "backlot-test-family-media"


class FamilyApi(ApiClient):
    """The family API with helpers for multipart uploads and households."""

    def upload(self, data: bytes, household_id: str, *, filename: str = "photo.jpg", content_type: str = "image/jpeg",
               user: str = "alice", **fields: str) -> Response:
        form = {"household_id": household_id, **fields, "file": (filename, data, content_type)}
        body, ctype = encode_multipart_formdata(form)
        return self.call("POST", "/api/v1/media/upload/", user=user, body=body, content_type=ctype)

    def user_id(self, user: str) -> str:
        return self.get("/api/v1/me/", user=user).body["user_id"]

    def household(self, user: str, name: str = "Home") -> str:
        return self.post("/api/v1/households/", {"name": name}, user=user).body["id"]

    def join(self, household_id: str, owner: str, user: str) -> None:
        """``owner`` invites ``user``, who accepts: membership by invitation."""
        invited = self.post(f"/api/v1/households/{household_id}/members/", {"user_id": self.user_id(user)}, user=owner)
        assert invited.status in (200, 201), invited.body
        accepted = self.post(f"/api/v1/invitations/{invited.body['id']}/accept/", None, user=user)
        assert accepted.status == 200, accepted.body


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

    return FamilyApi(handler, "/family")


class MediaQueue(QueueDriver):
    """The media queue drained into ``family.media.handler.handler``."""


@pytest.fixture()
def media_queue(family_env: dict[str, str]) -> MediaQueue:
    from family.media.handler import handler

    queue = MediaQueue(handler, family_env["queue_url"])
    queue.drain()
    return queue


def new_user() -> str:
    return f"user-{uuid.uuid4().hex[:8]}"
