"""Pricing by aspect ratio and the provider's webhook signatures (Standard Webhooks)."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from styles import pricing
from backlot import webhooks as signing

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


def test_every_aspect_ratio_has_a_positive_cost_and_dimensions() -> None:
    assert set(pricing.COSTS) == set(pricing.DIMENSIONS)
    for ratio in pricing.ASPECT_RATIOS:
        assert pricing.cost_of(ratio) > 0
        w, h = pricing.dimensions_of(ratio)
        a, b = (int(x) for x in ratio.split(":"))
        assert abs(w / h - a / b) < 0.03, ratio
        assert w % 16 == 0 and h % 16 == 0


def test_wider_frames_cost_more_and_square_is_cheapest() -> None:
    assert pricing.cost_of("1:1") == min(pricing.COSTS.values())
    assert pricing.cost_of("16:9") > pricing.cost_of("4:3") > pricing.cost_of("1:1")


@pytest.mark.parametrize("bad", ["", "1:2", "16/9", "1 :1", "21:9"])
def test_unknown_aspect_ratio_names_the_field(bad: str) -> None:
    with pytest.raises(pricing.UnknownAspectRatio) as err:
        pricing.cost_of(bad)
    assert "aspect_ratio" in str(err.value)
    with pytest.raises(pricing.UnknownAspectRatio):
        pricing.dimensions_of(bad)


def _reference_signature(msg_id: str, ts: int, body: bytes) -> str:
    # The spec's construction written out independently of the module.
    key = base64.b64decode(SECRET.split("_", 1)[1])
    mac = hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def test_signature_matches_the_spec_construction() -> None:
    body = b'{"id":"abc","status":"succeeded"}'
    assert signing.signature(SECRET, "msg_1", 1700000000, body) == _reference_signature("msg_1", 1700000000, body)


def test_standard_webhooks_published_vector() -> None:
    # Test vector from the Standard Webhooks reference libraries (webhook_test.py).
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    sig = signing.signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
    assert sig == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_verify_accepts_a_fresh_signed_delivery_with_headers_in_any_case() -> None:
    body = b'{"id":"p1"}'
    headers = signing.sign_headers(SECRET, "msg_a", body, timestamp=1000)
    shouted = {k.upper(): v for k, v in headers.items()}
    got = signing.verify(SECRET, shouted, body, now=1000 + 299)
    assert got == signing.VerifiedWebhook(message_id="msg_a", timestamp=1000)


def test_verify_accepts_any_matching_entry_among_several() -> None:
    body = b"{}"
    good = signing.signature(SECRET, "m", 50, body)
    headers = {"webhook-id": "m", "webhook-timestamp": "50", "webhook-signature": f"v1,AAAA {good} v1a,zzz"}
    assert signing.verify(SECRET, headers, body, now=50).message_id == "m"


@pytest.mark.parametrize("change,code", [
    ({"webhook-signature": None}, "missing_headers"),
    ({"webhook-id": ""}, "missing_headers"),
    ({"webhook-timestamp": "soon"}, "bad_timestamp"),
    ({"webhook-timestamp": "699"}, "stale_timestamp"),      # 301 s old at now=1000
    ({"webhook-timestamp": "1301"}, "stale_timestamp"),     # 301 s in the future
    ({"webhook-id": "msg_other"}, "bad_signature"),         # signature bound to the id
])
def test_verify_refuses(change: dict, code: str) -> None:
    body = b'{"id":"p1"}'
    headers = signing.sign_headers(SECRET, "msg_a", body, timestamp=1000)
    for key, value in change.items():
        if value is None:
            headers.pop(key)
        else:
            headers[key] = value
    with pytest.raises(signing.WebhookVerificationError) as err:
        signing.verify(SECRET, headers, body, now=1000)
    assert err.value.code == code
    assert SECRET not in str(err.value)


def test_verify_refuses_a_tampered_body_and_another_secret() -> None:
    body = b'{"id":"p1","status":"failed"}'
    headers = signing.sign_headers(SECRET, "msg_a", body, timestamp=1000)
    with pytest.raises(signing.WebhookVerificationError):
        signing.verify(SECRET, headers, body.replace(b"failed", b"succeeded"), now=1000)
    other = "whsec_" + base64.b64encode(b"another key of thirty-two bytes!").decode()
    with pytest.raises(signing.WebhookVerificationError):
        signing.verify(other, headers, body, now=1000)


def test_secret_key_refuses_non_base64() -> None:
    with pytest.raises(ValueError):
        signing.secret_key("whsec_not*base64")
