"""SQS batch semantics and schedules (expressions and events)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from backlot_local.authorizers import lambda_authorizer_decision, policy_allows
from backlot_local.schedules import ScheduleExpressionError, parse_schedule, schedule_event
from backlot_local.sqs import failed_message_ids, sqs_event
from backlot_local.workers import InvokeResult

IDS = ["m1", "m2", "m3"]


@pytest.mark.parametrize(
    ("result", "report", "failed"),
    [
        (InvokeResult(True, None), True, set()),
        (InvokeResult(True, {"batchItemFailures": []}), True, set()),
        (InvokeResult(True, {"batchItemFailures": None}), True, set()),
        (InvokeResult(True, {}), True, set()),
        (InvokeResult(True, {"batchItemFailures": [{"itemIdentifier": "m2"}]}), True, {"m2"}),
        (InvokeResult(True, {"batchItemFailures": [{"itemIdentifier": "m2"}]}), False, set()),
        (InvokeResult(True, {"batchItemFailures": [{"itemIdentifier": ""}]}), True, set(IDS)),
        (InvokeResult(True, {"batchItemFailures": [{"itemIdentifier": None}]}), True, set(IDS)),
        (InvokeResult(True, {"batchItemFailures": [{"id": "m2"}]}), True, set(IDS)),
        (InvokeResult(True, {"batchItemFailures": [{"itemIdentifier": "other"}]}), True, set(IDS)),
        (InvokeResult(True, "not an object"), True, set(IDS)),
        (InvokeResult(False, error={"errorType": "ValueError"}), True, set(IDS)),
        (InvokeResult(False, error={"errorType": "ValueError"}), False, set(IDS)),
    ],
)
def test_partial_batch_response_rules(result, report, failed) -> None:
    assert failed_message_ids(result, IDS, report) == failed


def test_sqs_event_has_the_shape_of_a_real_one(aws_event) -> None:
    sample = aws_event("powertools/sqsEvent.json")["Records"][0]
    received = {
        "MessageId": "m1",
        "ReceiptHandle": "rh",
        "MD5OfBody": "abc",
        "Body": "Test message.",
        "Attributes": {"SenderId": "AIDA", "SentTimestamp": "1", "ApproximateReceiveCount": "1", "ApproximateFirstReceiveTimestamp": "2"},
        "MessageAttributes": {"testAttr": {"StringValue": "100", "DataType": "Number"}},
    }
    record = sqs_event([received], "arn:aws:sqs:us-east-1:123456789012:q")["Records"][0]
    assert list(record) == list(sample)
    assert set(record["attributes"]) == set(sample["attributes"])
    assert record["messageAttributes"]["testAttr"] == {"stringValue": "100", "stringListValues": [], "binaryListValues": [], "dataType": "Number"}
    assert (record["eventSource"], record["eventSourceARN"], record["awsRegion"]) == ("aws:sqs", "arn:aws:sqs:us-east-1:123456789012:q", "us-east-1")


BASE = datetime(2026, 11, 21, 13, 0, tzinfo=timezone.utc)  # a Saturday


@pytest.mark.parametrize(
    ("expression", "zone", "expected"),
    [
        ("cron(0 3 * * ? *)", "UTC", datetime(2026, 11, 22, 3, 0, tzinfo=timezone.utc)),
        ("cron(30 2 ? * MON-FRI *)", "Europe/Berlin", datetime(2026, 11, 23, 1, 30, tzinfo=timezone.utc)),
        ("cron(0 12 ? * 2-6 *)", "UTC", datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)),
        ("cron(0 12 ? * 1 *)", "UTC", datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)),  # 1 = Sunday
        ("cron(0 12 ? * 7 *)", "UTC", datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)),  # 7 = Saturday
        ("cron(15 10 ? * 6L *)", "UTC", datetime(2026, 11, 27, 10, 15, tzinfo=timezone.utc)),  # last Friday
        ("cron(0 8 ? * 2#1 *)", "UTC", datetime(2026, 12, 7, 8, 0, tzinfo=timezone.utc)),  # first Monday
        ("cron(0 0 L * ? *)", "UTC", datetime(2026, 11, 30, 0, 0, tzinfo=timezone.utc)),
        ("cron(0 0 1 1 ? 2029)", "UTC", datetime(2029, 1, 1, 0, 0, tzinfo=timezone.utc)),
        ("cron(0/15 * * * ? *)", "UTC", datetime(2026, 11, 21, 13, 15, tzinfo=timezone.utc)),
        ("rate(5 minutes)", "UTC", datetime(2026, 11, 21, 13, 5, tzinfo=timezone.utc)),
        ("rate(1 day)", "UTC", datetime(2026, 11, 22, 13, 0, tzinfo=timezone.utc)),
        ("at(2027-01-01T09:00:00)", "Europe/Berlin", datetime(2027, 1, 1, 8, 0, tzinfo=timezone.utc)),
    ],
)
def test_schedule_expressions(expression, zone, expected) -> None:
    assert parse_schedule(expression, zone, anchor=BASE).next_after(BASE) == expected


def test_expired_schedules_never_run() -> None:
    assert parse_schedule("cron(* * * * ? 2020)").next_after(BASE) is None
    assert parse_schedule("at(2020-01-01T00:00:00)").next_after(BASE) is None


@pytest.mark.parametrize("expression", ["rate(1 minutes)", "rate(2 hour)", "rate(0 days)", "rate(5 weeks)", "cron(0 3 * * * *)", "cron(0 3 ? * ? *)", "cron(0 3 * * ?)", "cron(0 3 ? * 8 *)", "cron(0 3 LW * ? *)", "daily"])
def test_invalid_schedule_expressions(expression) -> None:
    with pytest.raises(ScheduleExpressionError):
        parse_schedule(expression)


def test_schedule_events(test_app, aws_event) -> None:
    sample = aws_event("powertools/eventBridgeSchedulerEvent.json")
    schedules = {s.event_name: s for s in test_app.schedules}
    event = schedule_event(schedules["Nightly"], BASE)
    assert list(event) == list(sample) and event["detail"] == "{}"
    assert (event["source"], event["detail-type"], event["time"]) == ("aws.scheduler", "Scheduled Event", "2026-11-21T13:00:00Z")
    assert event["resources"] == [f"arn:aws:scheduler:us-east-1:123456789012:schedule/default/{schedules['Nightly'].name}"]
    assert schedule_event(schedules["EveryFiveMinutes"], BASE) == {"job": "tick"}
    legacy = schedule_event(schedules["Legacy"], BASE)
    assert legacy["source"] == "aws.events" and legacy["detail"] == {}


ARN = "arn:aws:execute-api:us-east-1:123456789012:abc/$default/GET/players/1/next"


def test_iam_policy_evaluation() -> None:
    allow = {"Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "arn:aws:execute-api:us-east-1:123456789012:abc/*"}]}
    assert policy_allows(allow, ARN)
    deny = {"Statement": allow["Statement"] + [{"Action": ["execute-api:*"], "Effect": "Deny", "Resource": [ARN]}]}
    assert not policy_allows(deny, ARN)
    elsewhere = {"Statement": {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": ARN + "/x"}}
    assert not policy_allows(elsewhere, ARN)
    with pytest.raises(ValueError):
        policy_allows({"Statement": []}, ARN)


def test_lambda_authorizer_responses() -> None:
    simple = lambda_authorizer_decision({"isAuthorized": True, "context": {"deviceId": "d"}}, simple_responses=True, arn=ARN)
    assert simple.allowed and simple.authorizer == {"lambda": {"deviceId": "d"}}
    refused = lambda_authorizer_decision({"isAuthorized": False}, simple_responses=True, arn=ARN)
    assert refused.response.status == 403 and refused.response.body == b'{"message":"Forbidden"}'
    assert lambda_authorizer_decision({"isAuthorized": "yes"}, simple_responses=True, arn=ARN).response.status == 500
    policy = {"principalId": "p", "policyDocument": {"Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": ARN}]}, "context": {"k": "v"}}
    assert lambda_authorizer_decision(policy, simple_responses=False, arn=ARN).authorizer == {"lambda": {"k": "v"}}
    assert lambda_authorizer_decision({"isAuthorized": True}, simple_responses=False, arn=ARN).response.status == 500
