"""The sign-in's ``state`` and PKCE verifier: what ties a callback to the login that started it.

RFC 6749 section 10.12 asks the client to bind the authorization request to the user agent; RFC
7636 (PKCE, S256) keeps a stolen code useless without the verifier. Here one random verifier (64
characters of ``secrets.token_urlsafe``) does both: it goes to the browser in an HttpOnly cookie;
the ``code_challenge`` sent to the hosted UI is its SHA-256; the ``state`` carries another digest
of it and an expiry, signed with HMAC-SHA256 under the database-held key ``oauth_state``
(migration ``styles_0003``). A callback is accepted only with a state this API signed, not expired,
whose digest matches the cookie of the same browser.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

import psycopg

from styles.errors import InvalidState

STATE_TTL_S = 600
"""A login must come back within 10 minutes."""

COOKIE = "styles_oauth"
"""The cookie holding the verifier between the login redirect and the callback."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _digest(label: bytes, verifier: str) -> str:
    return _b64(hashlib.sha256(label + verifier.encode()).digest())


@dataclass(frozen=True)
class Login:
    """One login's values: ``state`` (URL), ``verifier`` (cookie), ``challenge`` (URL, S256)."""

    state: str
    verifier: str
    challenge: str


def signing_key(conn: psycopg.Connection) -> bytes:
    """The ``oauth_state`` key from ``styles.signing_keys``."""
    return conn.execute("SELECT secret FROM styles.signing_keys WHERE name = 'oauth_state'").fetchone()["secret"].encode()


def new_login(key: bytes, *, now: float | None = None) -> Login:
    """A fresh verifier, its S256 challenge (RFC 7636 section 4.2) and the signed state."""
    verifier = secrets.token_urlsafe(48)
    payload = _b64(json.dumps({"n": _digest(b"state:", verifier), "exp": int(now or time.time()) + STATE_TTL_S},
                              separators=(",", ":")).encode())
    signature = _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())
    return Login(state=f"{payload}.{signature}", verifier=verifier,
                 challenge=_b64(hashlib.sha256(verifier.encode()).digest()))


def check(key: bytes, *, state: str | None, verifier: str | None, now: float | None = None) -> None:
    """Accept the callback's ``state`` with this browser's cookie ``verifier``.

    Raises:
        InvalidState: (400 ``invalid_state``) no state or cookie, a signature this API did not make,
            an expired state, or a state of another browser's login.
    """
    if not state or not verifier:
        raise InvalidState("sign-in state or cookie missing: start again at /api/auth/google/login")
    payload, _, signature = state.partition(".")
    expected = _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())
    if not signature or not hmac.compare_digest(signature, expected):
        raise InvalidState("sign-in state is not valid")
    try:
        claims = json.loads(_unb64(payload))
        expires, nonce = int(claims["exp"]), str(claims["n"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidState("sign-in state is not valid") from exc
    if expires < (now or time.time()):
        raise InvalidState("sign-in took too long: start again at /api/auth/google/login")
    if not hmac.compare_digest(nonce, _digest(b"state:", verifier)):
        raise InvalidState("sign-in state belongs to another login")
