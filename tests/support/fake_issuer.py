"""A local fake identity provider for bearer-token tests: an RSA key pair, its JWK Set served over
HTTP at ``<url>/.well-known/jwks.json`` (as a Cognito user pool serves it, RFC 7517 shape), and
tokens shaped like Cognito ID and access tokens, signed by it or deliberately wrong.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa


def new_key() -> rsa.RSAPrivateKey:
    """A fresh 2048-bit RSA private key."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeIssuer:
    """``url`` is the issuer (``iss``); ``kid`` names its one key; ``fetches`` counts JWKS requests."""

    def __init__(self, audience: str = "app-client-1") -> None:
        self.key = new_key()
        self.kid = uuid.uuid4().hex[:16]
        self.audience = audience
        self.fetches = 0
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                if self.path != "/.well-known/jwks.json":
                    self.send_error(404)
                    return
                issuer.fetches += 1
                body = json.dumps(issuer.jwks()).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def jwks(self) -> dict[str, Any]:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [jwk | {"kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def claims(self, sub: str = "alice", **overrides: Any) -> dict[str, Any]:
        """ID token claims: ``sub``, ``iss`` this issuer, ``aud`` the app client, ``exp`` in an hour."""
        now = int(time.time())
        claims = {"sub": sub, "iss": self.url, "aud": self.audience, "token_use": "id", "iat": now,
                  "auth_time": now, "exp": now + 3600, "email": f"{sub}@example.com"}
        return {k: v for k, v in (claims | overrides).items() if v is not None}

    def token(self, sub: str = "alice", *, key: rsa.RSAPrivateKey | None = None, kid: str | None = None,
              **overrides: Any) -> str:
        """A token signed RS256 (by this issuer's key unless ``key``), header ``kid`` this key's
        unless ``kid``; claims :meth:`claims` with ``overrides`` (None removes a claim)."""
        return jwt.encode(self.claims(sub, **overrides), key or self.key, algorithm="RS256",
                          headers={"kid": kid or self.kid})

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
