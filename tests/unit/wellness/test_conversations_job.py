"""GenerateFunction's message: a malformed one is dropped (it can never succeed), not retried."""

from __future__ import annotations

import json

import pytest
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from wellness.jobs.generate import generate_record


def record(body: str) -> SQSRecord:
    return SQSRecord({"messageId": "m1", "receiptHandle": "r", "body": body, "attributes": {}, "messageAttributes": {},
                      "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:1:q", "awsRegion": "us-east-1"})


@pytest.mark.parametrize("body", ["not json", "[]", "null", json.dumps({}), json.dumps({"id": 5}), json.dumps({"id": "x"}),
                                  json.dumps({"id": ["5a0c2e1f-8b7d-4c3a-9e6f-1d2c3b4a5e6f"]})])
def test_a_malformed_message_is_rejected_without_touching_the_database(body: str) -> None:
    assert generate_record(record(body)) == "rejected"
