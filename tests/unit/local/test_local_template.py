"""The template model: intrinsics, Globals, nested stacks, mappings, routes, queues, schedules."""

from __future__ import annotations

import pytest

from backlot_local.intrinsics import IntrinsicError, resolve
from backlot_local.template import JwtAuthorizerConfig, LambdaAuthorizerConfig

from .conftest import FIXTURES, REPO_ROOT


def test_intrinsics_resolve_against_local_values(test_app) -> None:
    root = test_app.stacks[0]
    assert root.output("SubPlain") == "backlot-dev:us-east-1:123456789012:aws:amazonaws.com:dev"
    assert root.output("SubWithVariables") == "beta, dev! ${NotAVariable}"
    assert root.output("JoinSelectSplit") == "a|gamma|us-east-1a"
    assert root.output("IfDev") == "dev-and-no-domain"
    assert root.output("FromMap") == 256
    # Ref AWS::NoValue removes the value; nothing else of the template is unresolvable.
    assert resolve({"Value": {"Fn::If": ["ProdOrDomain", "yes", {"Ref": "AWS::NoValue"}]}}, root) == {}
    # Values that only exist on AWS become harmless placeholders.
    assert root.output("Unresolvable") == "local-ProxyEndpointHolder-Endpoint"


def test_nested_stack_parameters_and_outputs(test_app) -> None:
    root = test_app.stacks[0]
    assert root.output("NestedQueueArn") == "arn:aws:sqs:us-east-1:123456789012:backlot-dev-ShopStack-OrdersQueue"
    assert root.output("NestedBucket") == "shop-dev-uploads-123456789012"
    shop = test_app.stacks[1]
    assert shop.parameter("Zones")[:2] == ["us-east-1a", "us-east-1b"]
    assert shop.parameter("DbHost") == "local-ProxyEndpointHolder-Endpoint"
    assert shop.parameter("LayerArn") == "arn:aws:lambda:us-east-1:123456789012:layer:shop-dev-layer:1"


def test_conditions_skip_resources_but_mappings_are_read(test_app) -> None:
    assert not any(q.logical_id == "ProdOnlyQueue" for q in test_app.queues)
    (mapping,) = test_app.mappings
    assert mapping.key == "shop"
    assert test_app.api_by_id(mapping.api_id).logical_id == "HttpApi"


def test_malformed_intrinsic_is_an_error(test_app) -> None:
    with pytest.raises(IntrinsicError):
        resolve({"Fn::Select": [5, ["a"]]}, test_app.stacks[0])


def test_globals_are_merged_into_functions(test_app) -> None:
    get_item = test_app.function("ShopStack/GetItemFunction")
    assert (get_item.timeout, get_item.memory_size, get_item.handler) == (7, 256, "localtest_handlers.echo")
    assert get_item.code_dir == FIXTURES / "handlers"
    assert get_item.layer_dirs == [FIXTURES / "layer" / "python"]
    assert get_item.environment == {
        "STAGE": "dev",
        "DB_HOST": "local-ProxyEndpointHolder-Endpoint",
        "FIRST_ZONE": "us-east-1a",
        "ORDERS_QUEUE_URL": "http://127.0.0.1:5999/123456789012/backlot-dev-ShopStack-OrdersQueue",
        "BUCKET": "shop-dev-uploads-123456789012",
        "API_BASE_PATH": "/shop",
    }
    assert test_app.function("GetItemFunction") is get_item
    assert get_item.name == "backlot-dev-ShopStack-GetItemFunction"
    with pytest.raises(KeyError):
        test_app.function("NoSuchFunction")


def test_queues_buckets_and_notifications(test_app) -> None:
    queue = next(q for q in test_app.queues if q.logical_id == "OrdersQueue")
    assert queue.url == "http://127.0.0.1:5999/123456789012/backlot-dev-ShopStack-OrdersQueue"
    assert queue.attributes["VisibilityTimeout"] == "30"
    assert queue.dead_letter_arn.endswith(":backlot-dev-ShopStack-OrdersDeadLetterQueue") and queue.max_receive_count == 2
    (bucket,) = test_app.buckets
    (notification,) = bucket.queue_notifications
    assert (notification.event, notification.queue_arn, notification.filter_rules) == (
        "s3:ObjectCreated:*",
        queue.arn,
        [{"Name": "suffix", "Value": ".csv"}],
    )


def test_routes_and_authorizers(test_app) -> None:
    routes = {r.route_key: r for r in test_app.routes}
    assert isinstance(routes["GET /items/{item_id}"].authorizer, JwtAuthorizerConfig)
    assert routes["GET /health"].authorizer is None
    device = routes["GET /players/{player_id}/next"].authorizer
    assert isinstance(device, LambdaAuthorizerConfig)
    assert device.function.id == "ShopStack/DeviceAuthorizerFunction"
    assert (device.simple_responses, device.payload_format_version, device.identity_source) == (True, "2.0", ["$request.header.X-Device-Token"])
    assert routes["ANY /files/{path+}"].method == "ANY"


def test_event_sources(test_app) -> None:
    (source,) = test_app.sqs_sources
    assert (source.function.id, source.batch_size, source.report_batch_item_failures) == ("ShopStack/OrdersConsumerFunction", 10, True)
    schedules = {s.event_name: s for s in test_app.schedules}
    assert (schedules["Nightly"].kind, schedules["Nightly"].expression, schedules["Nightly"].timezone) == ("ScheduleV2", "cron(30 2 ? * MON-FRI *)", "Europe/Berlin")
    assert schedules["EveryFiveMinutes"].input == '{"job": "tick"}'
    assert schedules["Legacy"].kind == "Schedule"
    assert not schedules["Paused"].enabled


def test_real_templates(family_app) -> None:
    """The family stack as it deploys: the local runtime reads the same names and wiring."""
    assert "family" in family_app.products
    (mapping,) = [m for m in family_app.mappings if m.key == "family"]
    api = family_app.api_by_id(mapping.api_id)
    assert api.id == "FamilyStack/HttpApi" and api.default_authorizer == "CognitoJwt"
    uploads = next(b for b in family_app.buckets if b.logical_id == "UploadsBucket")
    assert uploads.name == "backlot-dev-family-uploads-123456789012"
    media_queue = next(q for q in family_app.queues if q.logical_id == "MediaQueue")
    assert uploads.queue_notifications[0].queue_arn == media_queue.arn
    assert uploads.queue_notifications[0].filter_rules == [{"Name": "prefix", "Value": "originals/"}]
    processor = family_app.function("FamilyStack/MediaProcessorFunction")
    assert (processor.timeout, processor.memory_size) == (120, 1769)
    assert processor.environment["UPLOADS_BUCKET"] == uploads.name
    assert processor.environment["API_BASE_PATH"] == "/family"
    assert processor.code_dir == REPO_ROOT / "functions" / "family"
    assert REPO_ROOT / "layers" / "platform" / "python" in processor.layer_dirs
    (source,) = [s for s in family_app.sqs_sources if s.function is processor]
    assert source.queue_arn == media_queue.arn and source.report_batch_item_failures
    http_events = sum(1 for f in family_app.functions if f.stack is api.stack for e in f.events.values() if e["Type"] == "HttpApi")
    assert len([r for r in family_app.routes if r.api is api]) == http_events
    me = next(r for r in family_app.routes if r.route_key == "GET /api/v1/me")
    assert me.function.handler == "family.handlers.get_me.handler" and me.authorizer.name == "CognitoJwt"


def test_env_vars_override_like_sam_local() -> None:
    from backlot_local.template import load_application

    from tests.conftest import REPO_ROOT

    app = load_application(REPO_ROOT, env_vars={
        "Parameters": {"EVERYONE": "1"},
        "MediaProcessorFunction": {"MEDIA_ONLY": "yes"},
        "FamilyStack/GetMeFunction": {"POWERTOOLS_SERVICE_NAME": "overridden", "NUMBER": 7},
    })
    media = app.function("FamilyStack/MediaProcessorFunction")
    me = app.function("FamilyStack/GetMeFunction")
    assert media.environment["EVERYONE"] == me.environment["EVERYONE"] == "1"
    assert media.environment["MEDIA_ONLY"] == "yes" and "MEDIA_ONLY" not in me.environment
    assert me.environment["POWERTOOLS_SERVICE_NAME"] == "overridden" and me.environment["NUMBER"] == "7"
    assert media.environment["POWERTOOLS_SERVICE_NAME"] == "family"
