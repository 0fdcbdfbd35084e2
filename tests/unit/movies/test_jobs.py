"""Movies job handlers: a malformed queue message fails its record (and so reaches the DLQ)."""

from __future__ import annotations

import pytest
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from movies.jobs import enrich_handler, make_enrich_record
from tests.support.apigw import LambdaContext
from tests.support.clients import sqs_event


@pytest.mark.parametrize("body", ["not json", "{}", '{"session_id": "x", "film_ids": []}', '{"session_id": null}'])
def test_malformed_enrichment_message_raises(body: str) -> None:
    record = SQSRecord({"messageId": "m1", "body": body, "attributes": {"ApproximateReceiveCount": "1"}})
    with pytest.raises(ValueError, match="malformed enrichment message m1"):
        make_enrich_record(None)(record)


def test_malformed_message_is_reported_as_a_batch_item_failure() -> None:
    event = sqs_event([{"MessageId": "bad-1", "ReceiptHandle": "r", "Body": "not json"}], "arn:aws:sqs:us-east-1:123456789012:q")
    assert enrich_handler(event, LambdaContext()) == {"batchItemFailures": [{"itemIdentifier": "bad-1"}]}
