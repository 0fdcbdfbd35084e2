"""Standard Webhooks 1.0 signatures, once for every product (spec: github.com/standard-webhooks/
standard-webhooks, "Signature scheme" and "Verifying webhook authenticity"): styles verifies the
deliveries its hosted provider sends (Replicate follows the spec:
replicate.com/docs/topics/webhooks/verify-webhook); wellness signs the webhooks it sends to its
users' endpoints.

Each delivery carries three headers:

* ``webhook-id``: the message id, unique per message and the same when the delivery is retried;
* ``webhook-timestamp``: integer seconds since the epoch of this attempt;
* ``webhook-signature``: space-separated ``v1,<base64 HMAC-SHA256>`` entries (several while a
  secret is being rotated).

The signed content is ``"{webhook-id}.{webhook-timestamp}.{raw body}"``, the key the base64 text
after the ``whsec_`` prefix of the signing secret (:func:`new_secret` makes one: 24 random bytes,
the spec's "between 24 bytes and 64 bytes"). A delivery is authentic when one entry equals the HMAC
(compared with :func:`hmac.compare_digest`, constant time) and fresh when its timestamp lies within
``tolerance_s`` (5 minutes, the spec's recommendation) of our clock, in either direction.

Replays inside the window are stopped by the receiver: it records the message id in the same
transaction as the change the delivery makes (styles: ``styles.webhook_deliveries``), so a second
delivery of one id changes nothing.

No third-party library: the ``standardwebhooks`` package would bring httpx, attrs and
python-dateutil into the Lambda layer for these few lines of ``hmac``, and it does not dedupe.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass

SECRET_PREFIX = "whsec_"
DEFAULT_TOLERANCE_S = 300


class WebhookVerificationError(Exception):
    """The delivery is not authentic or not fresh. ``code`` is stable (``missing_headers``,
    ``bad_timestamp``, ``stale_timestamp``, ``bad_signature``); the message never contains the
    secret nor the expected signature."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class VerifiedWebhook:
    """A delivery whose signature and timestamp checked out: ``message_id`` (for dedupe) and
    ``timestamp`` (seconds since the epoch)."""

    message_id: str
    timestamp: int


SECRET_BYTES = 24
"""Random bytes of a new signing secret (the spec: "between 24 bytes and 64 bytes")."""


def new_secret() -> str:
    """A new signing secret ``whsec_<base64 of 24 random bytes>`` (:mod:`secrets`, the OS CSPRNG)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_<base64>`` signing secret (a secret without the prefix is taken
    as the base64 text itself).

    Raises:
        ValueError: the text is not base64.
    """
    text = secret.strip()
    if text.startswith(SECRET_PREFIX):
        text = text[len(SECRET_PREFIX):]
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ValueError("the webhook signing secret is not base64 after 'whsec_'") from exc


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``v1,<base64>`` signature entry of one delivery (what the provider puts in
    ``webhook-signature``)."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def sign_headers(secret: str, message_id: str, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    """The three headers a sender puts on ``body`` (``timestamp``: seconds since the epoch, now
    when None): wellness's outgoing webhooks, styles' local provider, tests."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": signature(secret, message_id, ts, body),
    }


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def verify(secret: str, headers: Mapping[str, str], body: bytes, *, now: float | None = None,
           tolerance_s: int = DEFAULT_TOLERANCE_S) -> VerifiedWebhook:
    """Check one delivery: headers present, timestamp within ``tolerance_s`` of ``now``, one
    ``v1`` signature equal (constant time) to the HMAC of the raw ``body``.

    Args:
        secret: the signing secret (``whsec_...``).
        headers: the request headers (any case).
        body: the raw request body, exactly as received (never re-serialised JSON).
        now: the clock in seconds since the epoch (``time.time()`` when None).

    Returns:
        The message id and timestamp.

    Raises:
        WebhookVerificationError: missing headers, a timestamp that is not an integer or outside
            the window, or no matching signature.
    """
    message_id = _header(headers, "webhook-id")
    raw_ts = _header(headers, "webhook-timestamp")
    raw_sig = _header(headers, "webhook-signature")
    if not message_id or not raw_ts or not raw_sig:
        raise WebhookVerificationError("missing_headers",
                                       "webhook-id, webhook-timestamp and webhook-signature are required")
    try:
        timestamp = int(raw_ts)
    except ValueError:
        raise WebhookVerificationError("bad_timestamp", "webhook-timestamp is not an integer") from None
    clock = time.time() if now is None else now
    if abs(clock - timestamp) > tolerance_s:
        raise WebhookVerificationError("stale_timestamp",
                                       f"webhook-timestamp is more than {tolerance_s} s from now")
    expected = signature(secret, message_id, timestamp, body).encode()
    matched = False
    for entry in raw_sig.split():
        # compare every entry (no early exit), each in constant time
        if entry.startswith("v1,") and hmac.compare_digest(entry.encode(), expected):
            matched = True
    if not matched:
        raise WebhookVerificationError("bad_signature", "no webhook-signature entry matches")
    return VerifiedWebhook(message_id=message_id, timestamp=timestamp)
