"""HTTP API payload 2.0 events and response mapping, compared with real sample events."""

from __future__ import annotations

import base64
import json

import pytest

from backlot_local.apigw import (
    HttpRequest,
    MalformedResponse,
    authorizer_event,
    flatten_claims,
    http_event,
    identity_values,
    query_parameters,
    response_from_result,
)


def _request(**overrides) -> HttpRequest:
    values = dict(
        method="POST",
        raw_path="/family/api/v1/items/a%2Fb/",
        raw_query_string="parameter1=value1&parameter1=value2&parameter2=value&empty=",
        headers=[
            ("Host", "127.0.0.1:3000"),
            ("User-Agent", "curl/8"),
            ("X-Multi", "one"),
            ("x-multi", "two"),
            ("Cookie", "cookie1=a; cookie2=b"),
            ("Content-Type", "application/json"),
        ],
        body=b'{"message": "hello"}',
        source_ip="127.0.0.1",
    )
    values.update(overrides)
    return HttpRequest(**values)


def test_event_has_the_shape_of_a_real_event(aws_event) -> None:
    sample = aws_event("powertools/apiGatewayProxyV2Event.json")
    event = http_event(
        _request(),
        api_id="abc123defg",
        route_key="POST /api/v1/items/{item_id}/",
        path_parameters={"item_id": "a/b"},
        authorizer={"jwt": {"claims": {"sub": "u"}, "scopes": None}},
    )
    # Every key of the real event except those API Gateway only sends with mTLS or stage variables.
    assert set(sample) - {"stageVariables"} == set(event)
    assert set(sample["requestContext"]) - {"authentication"} == set(event["requestContext"])
    assert set(sample["requestContext"]["http"]) == set(event["requestContext"]["http"])
    for key in ("version", "isBase64Encoded"):
        assert type(event[key]) is type(sample[key])
    assert isinstance(event["requestContext"]["timeEpoch"], int)
    assert event["requestContext"]["stage"] == sample["requestContext"]["stage"] == "$default"


def test_event_values() -> None:
    event = http_event(_request(), api_id="abc123defg", route_key="POST /api/v1/items/{item_id}/", path_parameters={"item_id": "a/b"}, authorizer=None)
    assert event["rawPath"] == "/family/api/v1/items/a%2Fb/"
    assert event["routeKey"] == event["requestContext"]["routeKey"] == "POST /api/v1/items/{item_id}/"
    assert event["rawQueryString"] == "parameter1=value1&parameter1=value2&parameter2=value&empty="
    assert event["queryStringParameters"] == {"parameter1": "value1,value2", "parameter2": "value", "empty": ""}
    assert event["headers"]["x-multi"] == "one,two"
    assert all(name == name.lower() for name in event["headers"])
    assert "cookie" not in event["headers"] and event["cookies"] == ["cookie1=a", "cookie2=b"]
    assert event["body"] == '{"message": "hello"}' and event["isBase64Encoded"] is False
    assert event["pathParameters"] == {"item_id": "a/b"}
    context = event["requestContext"]
    assert "authorizer" not in context
    assert context["http"] == {"method": "POST", "path": "/family/api/v1/items/a%2Fb/", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "curl/8"}
    assert context["domainName"] == "127.0.0.1" and context["accountId"] == "123456789012"
    assert len(context["requestId"]) == 36
    day, month, rest = context["time"].split("/")
    assert len(day) == 2 and month.isalpha() and rest.endswith(" +0000")


def test_optional_keys_are_absent_when_empty() -> None:
    event = http_event(
        _request(method="GET", raw_query_string="", headers=[("Host", "x")], body=b""),
        api_id="a", route_key="GET /x", path_parameters={}, authorizer=None,
    )
    for key in ("cookies", "queryStringParameters", "pathParameters", "body"):
        assert key not in event
    assert event["isBase64Encoded"] is False


def test_binary_and_multipart_bodies_are_base64() -> None:
    multipart = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n\xff\xd8\xff\r\n--b--\r\n'
    for content_type in ("multipart/form-data; boundary=b", "image/jpeg", "application/x-www-form-urlencoded", None):
        headers = [("Host", "x")] + ([("Content-Type", content_type)] if content_type else [])
        event = http_event(_request(headers=headers, body=multipart), api_id="a", route_key="POST /x", path_parameters={}, authorizer=None)
        assert event["isBase64Encoded"] is True, content_type
        assert base64.b64decode(event["body"]) == multipart
    event = http_event(_request(headers=[("Content-Type", "text/plain; charset=utf-8")], body="héllo".encode()), api_id="a", route_key="POST /x", path_parameters={}, authorizer=None)
    assert (event["body"], event["isBase64Encoded"]) == ("héllo", False)


def test_authorizer_event_has_the_shape_of_a_real_one(aws_event) -> None:
    sample = aws_event("powertools/apiGatewayAuthorizerV2Event.json")
    request = _request(headers=[("Host", "x"), ("X-Device-Token", "t0k3n"), ("Cookie", "a=1")])
    context_values = identity_values(request, ["$request.header.X-Device-Token", "$request.querystring.parameter2"], {})
    assert context_values == ["t0k3n", "value"]
    assert identity_values(request, ["$request.header.Missing"], {}) is None
    event = authorizer_event(
        request, api_id="a", route_key="GET /merchants", route_arn="arn:aws:execute-api:us-east-1:123456789012:a/$default/GET/merchants",
        identity_source=context_values, path_parameters={"p": "1"},
    )
    assert set(sample) - {"stageVariables"} == set(event)
    assert set(sample["requestContext"]) - {"authentication"} == set(event["requestContext"])
    assert event["type"] == "REQUEST" and event["version"] == "2.0" and event["identitySource"] == ["t0k3n", "value"]


def test_claims_are_flattened_like_api_gateway() -> None:
    claims = {
        "sub": "alice",
        "cognito:groups": ["admin", "editors"],
        "single": ["admin"],
        "exp": 1700000000,
        "email_verified": True,
        "nested": {"b": 1, "a": "x"},
    }
    assert flatten_claims(claims) == {
        "sub": "alice",
        "cognito:groups": "[admin editors]",
        "single": "[admin]",
        "exp": "1700000000",
        "email_verified": "true",
        "nested": "map[a:x b:1]",
    }


def test_query_parameters() -> None:
    assert query_parameters("a=1&a=2&b=x%20y&c") == {"a": "1,2", "b": "x y", "c": ""}


def test_response_mapping() -> None:
    full = response_from_result({
        "statusCode": 201,
        "headers": {"Content-Type": "text/plain", "X-One": 1},
        "multiValueHeaders": {"x-many": ["a", "b"]},
        "cookies": ["a=1; Path=/", "b=2"],
        "body": "created",
    })
    assert full.status == 201 and full.body == b"created"
    assert full.headers == [("content-type", "text/plain"), ("x-one", "1"), ("x-many", "a"), ("x-many", "b"), ("set-cookie", "a=1; Path=/"), ("set-cookie", "b=2")]
    binary = response_from_result({"statusCode": 200, "body": base64.b64encode(b"\x00\x01").decode(), "isBase64Encoded": True})
    assert binary.body == b"\x00\x01"
    inferred = response_from_result({"hello": "world"})
    assert (inferred.status, inferred.headers, json.loads(inferred.body)) == (200, [("content-type", "application/json")], {"hello": "world"})
    assert response_from_result({"statusCode": 204}).body == b""
    for bad in ({"statusCode": "teapot"}, {"statusCode": 200, "headers": ["x"]}, {"statusCode": 200, "body": "%%%", "isBase64Encoded": True}, {"statusCode": 999}):
        with pytest.raises(MalformedResponse):
            response_from_result(bad)
