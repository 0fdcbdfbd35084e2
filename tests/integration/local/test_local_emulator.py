"""The emulator as ``backlot dev`` sets it up: an object created under ``originals/`` in the family
uploads bucket (PUT or browser-style presigned POST) puts an S3 event on the media queue."""

from __future__ import annotations

import json
import time

from pathlib import Path

import httpx
import pytest
from cfnlint.decode import cfn_yaml

from backlot.storage import object_refs_from_s3_event
from backlot_local.emulator import provision

from .conftest import AWS_EVENTS, drain

REPO = Path(__file__).resolve().parents[3]


def _uploads(app):
    return next(b for b in app.buckets if b.logical_id == "UploadsBucket")


def _media_queue(app):
    return next(q for q in app.queues if q.logical_id == "MediaQueue")


def _receive_all(sqs, url: str, wait: float = 3.0) -> list[dict]:
    found, deadline = [], time.monotonic() + wait
    while time.monotonic() < deadline:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, AttributeNames=["All"]).get("Messages", [])
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        found += [json.loads(m["Body"]) for m in messages]
        if found and not messages:
            break
    return found


@pytest.fixture()
def media_queue_url(family_app, sqs) -> str:
    url = _media_queue(family_app).url
    drain(sqs, url)
    return url


def test_resources_exist_as_the_templates_declare(family_app, sqs, s3) -> None:
    queue = _media_queue(family_app)
    attributes = sqs.get_queue_attributes(QueueUrl=queue.url, AttributeNames=["All"])["Attributes"]
    assert attributes["QueueArn"] == queue.arn
    declared = cfn_yaml.load(str(REPO / "functions" / "family" / "template.yaml"))["Resources"]["MediaQueue"]["Properties"]
    assert attributes["VisibilityTimeout"] == str(declared["VisibilityTimeout"])
    assert json.loads(attributes["RedrivePolicy"]) == {"deadLetterTargetArn": queue.dead_letter_arn, "maxReceiveCount": 3}
    assert {b["Name"] for b in s3.list_buckets()["Buckets"]} >= {"backlot-dev-family-uploads-123456789012", "backlot-dev-family-media-123456789012"}
    (config,) = s3.get_bucket_notification_configuration(Bucket=_uploads(family_app).name)["QueueConfigurations"]
    assert config["QueueArn"] == queue.arn and config["Events"] == ["s3:ObjectCreated:*"]
    assert config["Filter"]["Key"]["FilterRules"] == [{"Name": "prefix", "Value": "originals/"}]


def test_put_object_sends_an_s3_event_to_the_media_queue(family_app, sqs, s3, media_queue_url) -> None:
    bucket = _uploads(family_app).name
    s3.put_object(Bucket=bucket, Key="originals/holiday photo (1).jpg", Body=b"\xff\xd8\xff" * 10)
    s3.put_object(Bucket=bucket, Key="elsewhere/not-notified.jpg", Body=b"x")
    (event,) = _receive_all(sqs, media_queue_url)
    (record,) = event["Records"]
    assert record["eventName"] == "ObjectCreated:Put" and record["eventSource"] == "aws:s3"
    assert record["s3"]["bucket"]["name"] == bucket and record["s3"]["bucket"]["arn"] == f"arn:aws:s3:::{bucket}"
    assert record["s3"]["object"]["key"] == "originals/holiday+photo+%281%29.jpg"  # URL-encoded, '/' kept
    assert record["s3"]["object"]["size"] == 30 and "versionId" not in record["s3"]["object"]
    (ref,) = object_refs_from_s3_event(event)
    assert ref.key == "originals/holiday photo (1).jpg" and ref.sequencer


def test_event_has_the_exact_shape_s3_sends(family_app, sqs, s3, media_queue_url) -> None:
    sample_path = AWS_EVENTS / "powertools" / "s3Event.json"
    if not sample_path.is_file():
        pytest.skip(f"{sample_path} is absent")
    sample = json.loads(sample_path.read_text())["Records"][0]
    s3.put_object(Bucket=_uploads(family_app).name, Key="originals/shape.jpg", Body=b"x")
    (event,) = _receive_all(sqs, media_queue_url)
    record = event["Records"][0]
    assert list(record) == list(sample)
    for key in ("userIdentity", "requestParameters", "responseElements"):
        assert set(record[key]) == set(sample[key])
    assert set(record["s3"]) == set(sample["s3"]) and set(record["s3"]["bucket"]) == set(sample["s3"]["bucket"])
    assert set(record["s3"]["object"]) == set(sample["s3"]["object"])


def test_browser_presigned_post_sends_an_object_created_post_event(family_app, sqs, s3, media_queue_url) -> None:
    bucket = _uploads(family_app).name
    post = s3.generate_presigned_post(
        Bucket=bucket,
        Key="originals/from-browser.jpg",
        Fields={"Content-Type": "image/jpeg"},
        Conditions=[{"Content-Type": "image/jpeg"}, ["content-length-range", 1, 1024]],
        ExpiresIn=300,
    )
    response = httpx.post(post["url"], data=post["fields"], files={"file": ("from-browser.jpg", b"\xff\xd8\xff\xe0", "image/jpeg")})
    assert response.status_code == 204, response.text
    (event,) = _receive_all(sqs, media_queue_url)
    record = event["Records"][0]
    assert record["eventName"] == "ObjectCreated:Post"
    assert record["s3"]["object"]["key"] == "originals/from-browser.jpg" and record["s3"]["object"]["size"] == 4


def test_setting_the_notification_sends_a_test_event(family_app, sqs, media_queue_url, local_moto) -> None:
    provision(family_app, local_moto, log=lambda line: None)  # idempotent; S3 sends s3:TestEvent again
    events = _receive_all(sqs, media_queue_url)
    assert any(e.get("Event") == "s3:TestEvent" and "Records" not in e for e in events)
