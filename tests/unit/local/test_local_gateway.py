"""The local API Gateway end to end over the test application, with functions in real worker processes."""

from __future__ import annotations

import asyncio
import base64
import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from backlot_local.apigw import HttpRequest
from backlot_local.gateway import Gateway
from backlot_local.tokens import load_keys, make_token
from backlot_local.workers import WorkerPool

from .conftest import FIXTURES

OVERRIDES = {"DATABASE_URL": "postgresql://local-test/backlot", "AWS_ENDPOINT_URL": "http://127.0.0.1:5999"}


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    return load_keys(tmp_path_factory.mktemp("state"))


@pytest.fixture(scope="module")
def gateway(test_app, keys):
    logged: list[str] = []
    pool = WorkerPool(OVERRIDES, log=logged.append)
    gateway = Gateway(test_app, pool.invoke, keys, port=3000, log=logged.append)
    gateway.logged = logged
    yield gateway
    gateway.close()
    pool.stop()


def call(gateway, method: str, path: str, *, headers=(), body: bytes = b"", query: str = ""):
    request = HttpRequest(method, path, query, [("Host", "127.0.0.1:3000"), ("User-Agent", "pytest"), *headers], body, "127.0.0.1")
    return gateway.handle(request)


def echoed(response) -> dict:
    assert response.status == 200, response.body
    return json.loads(response.body)


def bearer(keys, user="alice", groups=("admin",)):
    return ("Authorization", f"Bearer {make_token(keys, user, groups=list(groups))}")


def test_unknown_route_is_404(gateway) -> None:
    for method, path in (("GET", "/nope"), ("POST", "/shop/items/1/"), ("GET", "/items/1/")):
        response = call(gateway, method, path)
        assert (response.status, response.body) == (404, b'{"message":"Not Found"}')
        assert ("content-type", "application/json") in response.headers


def test_jwt_route_needs_a_valid_token(gateway, keys) -> None:
    assert call(gateway, "GET", "/shop/items/7/").status == 401
    assert call(gateway, "GET", "/shop/items/7/", headers=[("Authorization", "Bearer nonsense")]).status == 401
    expired = ("Authorization", f"Bearer {make_token(keys, 'alice', ttl=-1)}")
    assert call(gateway, "GET", "/shop/items/7/", headers=[expired]).body == b'{"message":"Unauthorized"}'


def test_function_gets_the_api_gateway_event(gateway, keys, test_app) -> None:
    body = echoed(call(gateway, "GET", "/shop/items/7", headers=[bearer(keys), ("Cookie", "a=1; b=2")], query="x=1&x=2"))
    event = body["event"]
    assert event["rawPath"] == "/shop/items/7" and event["routeKey"] == "GET /items/{item_id}"
    assert event["pathParameters"] == {"item_id": "7"} and event["queryStringParameters"] == {"x": "1,2"}
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["headers"]["x-forwarded-proto"] == "http" and event["headers"]["x-forwarded-for"] == "127.0.0.1"
    claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
    assert claims["sub"] == "alice" and claims["cognito:groups"] == "[admin]"
    assert event["requestContext"]["apiId"] == test_app.mappings[0].api_id


def test_function_runs_like_lambda(gateway, keys) -> None:
    body = echoed(call(gateway, "GET", "/shop/items/7/", headers=[bearer(keys)]))
    env = body["env"]
    assert env["DATABASE_URL"] == OVERRIDES["DATABASE_URL"] and env["AWS_ENDPOINT_URL"] == OVERRIDES["AWS_ENDPOINT_URL"]
    assert env["STAGE"] == "dev" and env["BUCKET"] == "shop-dev-uploads-123456789012" and env["API_BASE_PATH"] == "/shop"
    assert env["TZ"] == ":UTC" and env["AWS_REGION"] == "us-east-1" and env["_HANDLER"] == "localtest_handlers.echo"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "backlot-dev-ShopStack-GetItemFunction" and env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert body["sys_path"][:2] == [str(FIXTURES / "handlers"), str(FIXTURES / "layer" / "python")]
    assert body["cwd"] == str(FIXTURES / "handlers")
    context = body["context"]
    assert context["function_name"] == "backlot-dev-ShopStack-GetItemFunction" and context["memory_limit_in_mb"] == "256"
    assert context["invoked_function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:backlot-dev-ShopStack-GetItemFunction"
    assert 0 < context["remaining_ms"] <= 7000 and len(context["aws_request_id"]) == 36
    again = echoed(call(gateway, "GET", "/shop/items/8/", headers=[bearer(keys)]))
    assert again["pid"] == body["pid"]  # kept warm


def test_route_without_authorizer(gateway) -> None:
    event = echoed(call(gateway, "GET", "/shop/health"))["event"]
    assert "authorizer" not in event["requestContext"]


def test_function_errors_are_502(gateway) -> None:
    response = call(gateway, "GET", "/shop/boom")
    assert (response.status, response.body) == (502, b'{"message":"Internal Server Error"}')
    assert any("function error ValueError: boom" in line for line in gateway.logged)


def test_timeout_is_a_function_error_and_resets_the_environment(gateway) -> None:
    response = call(gateway, "GET", "/shop/slow")
    assert response.status == 502
    assert any("Sandbox.Timedout" in line for line in gateway.logged)
    assert call(gateway, "GET", "/shop/health").status == 200


@pytest.mark.parametrize(
    ("kind", "status", "check"),
    [
        ("binary", 200, lambda r: r.body == b"\x89PNG\r\n" and ("content-type", "image/png") in r.headers),
        ("cookies", 201, lambda r: [v for k, v in r.headers if k == "set-cookie"] == ["a=1; Path=/", "b=2"] and [v for k, v in r.headers if k == "x-many"] == ["a", "b"]),
        ("plain-dict", 200, lambda r: json.loads(r.body) == {"hello": "world"}),
        ("empty", 204, lambda r: r.body == b""),
        ("malformed", 502, lambda r: r.body == b'{"message":"Internal Server Error"}'),
        ("unserialisable", 502, lambda r: True),
    ],
)
def test_response_mapping(gateway, kind, status, check) -> None:
    response = call(gateway, "GET", f"/shop/responses/{kind}")
    assert response.status == status and check(response)
    assert any(k == "apigw-requestid" for k, _ in response.headers)


def test_multipart_upload_reaches_the_function_base64(gateway, keys) -> None:
    payload = b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0\r\n--xyz--\r\n'
    event = echoed(call(gateway, "POST", "/shop/uploads", headers=[bearer(keys), ("Content-Type", "multipart/form-data; boundary=xyz")], body=payload))["event"]
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == payload


def test_payload_limits(gateway, keys) -> None:
    over_api_gateway = call(gateway, "POST", "/shop/uploads", headers=[bearer(keys)], body=b"x" * (10 * 1024 * 1024 + 1))
    assert (over_api_gateway.status, over_api_gateway.body) == (413, b'{"message":"Request Entity Too Large"}')
    over_lambda = call(gateway, "POST", "/shop/uploads", headers=[bearer(keys), ("Content-Type", "image/jpeg")], body=b"x" * (5 * 1024 * 1024))
    assert over_lambda.status == 413  # 5 MB in base64 is over Lambda's 6 MB invocation payload


def test_lambda_request_authorizer_simple_responses(gateway, aws_event) -> None:
    missing = call(gateway, "GET", "/shop/players/p1/next")
    assert (missing.status, missing.body) == (401, b'{"message":"Unauthorized"}')
    denied = call(gateway, "GET", "/shop/players/p1/next", headers=[("X-Device-Token", "bad")])
    assert (denied.status, denied.body) == (403, b'{"message":"Forbidden"}')
    event = echoed(call(gateway, "GET", "/shop/players/p1/next", headers=[("X-Device-Token", "good")]))["event"]
    context = event["requestContext"]["authorizer"]["lambda"]
    assert context["deviceId"] == "device-1"
    assert context["routeArn"].startswith("arn:aws:execute-api:us-east-1:123456789012:") and context["routeArn"].endswith("/$default/GET/players/p1/next")
    sample = aws_event("powertools/apiGatewayAuthorizerV2Event.json")
    assert set(context["eventKeys"]) == set(sample) - {"stageVariables", "cookies", "queryStringParameters"}


def test_lambda_request_authorizer_policy_responses(gateway) -> None:
    assert echoed(call(gateway, "GET", "/shop/players/p1/policy", headers=[("X-Device-Token", "good")]))["event"]["requestContext"]["authorizer"] == {"lambda": {"deviceId": "device-2"}}
    assert call(gateway, "GET", "/shop/players/p1/policy", headers=[("X-Device-Token", "partial")]).status == 403
    assert call(gateway, "GET", "/shop/players/p1/policy", headers=[("X-Device-Token", "bad")]).status == 403


def test_failing_authorizer_is_500(gateway) -> None:
    response = call(gateway, "GET", "/shop/players/p1/broken", headers=[("X-Device-Token", "good")])
    assert (response.status, response.body) == (500, b'{"message":"Internal Server Error"}')


def test_concurrent_requests(gateway) -> None:
    with ThreadPoolExecutor(max_workers=6) as executor:
        statuses = list(executor.map(lambda _: call(gateway, "GET", "/shop/health").status, range(12)))
    assert statuses == [200] * 12


def test_asgi_entry_point(gateway, keys) -> None:
    async def scenario():
        transport = httpx.ASGITransport(app=gateway, client=("10.1.2.3", 5555))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:3000") as client:
            ok = await client.post("/shop/uploads?a=1&a=2", headers={"Authorization": bearer(keys)[1], "content-type": "application/json"}, content=b'{"k": 1}')
            missing = await client.get("/shop/nothing")
            return ok, missing

    ok, missing = asyncio.run(scenario())
    event = ok.json()["event"]
    assert event["rawQueryString"] == "a=1&a=2" and event["body"] == '{"k": 1}'
    assert event["requestContext"]["http"]["sourceIp"] == "10.1.2.3"
    assert ok.headers["apigw-requestid"] and missing.status_code == 404 and missing.json() == {"message": "Not Found"}


def test_cors_preflight_is_answered_by_the_gateway(gateway) -> None:
    origin = ("Origin", "https://app.example.com")
    preflight = call(gateway, "OPTIONS", "/shop/items/7/", headers=[origin, ("Access-Control-Request-Method", "GET")])
    assert preflight.status == 204 and preflight.body == b""
    headers = dict(preflight.headers)
    assert headers["access-control-allow-origin"] == "https://app.example.com"
    assert headers["access-control-allow-methods"] == "GET,POST" and headers["access-control-allow-headers"] == "authorization,content-type"
    assert headers["access-control-max-age"] == "600" and headers["access-control-allow-credentials"] == "true"
    stranger = call(gateway, "OPTIONS", "/shop/items/7/", headers=[("Origin", "https://evil.test"), ("Access-Control-Request-Method", "GET")])
    assert stranger.status == 204 and not any(k.startswith("access-control-") for k, _ in stranger.headers)
    assert call(gateway, "OPTIONS", "/shop/items/7/").status == 404  # not a preflight: routed, and there is no OPTIONS route


def test_cors_headers_replace_the_functions(gateway) -> None:
    response = call(gateway, "GET", "/shop/responses/cors", headers=[("Origin", "https://shop.example.org")])
    cors = [(k, v) for k, v in response.headers if k.startswith("access-control-")]
    assert cors == [
        ("access-control-allow-origin", "https://shop.example.org"),
        ("access-control-expose-headers", "x-request-id"),
        ("access-control-allow-credentials", "true"),
    ]
    unauthorized = call(gateway, "GET", "/shop/items/7/", headers=[("Origin", "https://app.example.com")])
    assert unauthorized.status == 401 and ("access-control-allow-origin", "https://app.example.com") in unauthorized.headers
    no_origin = call(gateway, "GET", "/shop/responses/cors")
    assert not any(k.startswith("access-control-") for k, _ in no_origin.headers)


def test_the_local_keys_jwks_is_served_for_functions_that_verify_tokens(gateway, keys) -> None:
    """``backlot.bearer`` in a function verifies ``backlot token`` tokens with this JWKS."""
    from backlot import bearer
    from backlot_local.tokens import JWKS_PATH, jwks

    response = call(gateway, "GET", JWKS_PATH)
    assert response.status == 200 and ("content-type", "application/json") in response.headers
    served = json.loads(response.body)
    assert served == jwks(keys) and served["keys"][0]["kid"] == keys.kid and "d" not in served["keys"][0]  # public only
    key = __import__("jwt").PyJWK(served["keys"][0]).key
    claims = __import__("jwt").decode(make_token(keys, "alice"), key, algorithms=bearer.ALGORITHMS, audience="backlot-local")
    assert claims["sub"] == "alice"
