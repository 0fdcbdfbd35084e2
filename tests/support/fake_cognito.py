"""A local fake of the Cognito user pool's OAuth 2.0 endpoints, answering the real shapes.

- ``POST /oauth2/token`` (``grant_type=authorization_code``, form-encoded, public client): 200
  ``{"id_token", "access_token", "refresh_token", "expires_in": 3600, "token_type": "Bearer"}``; 400
  ``{"error": "invalid_grant"}`` for an unknown, used or expired code, a ``redirect_uri`` other than
  the authorize request's, or a PKCE ``code_verifier`` whose S256 is not the ``code_challenge``;
  ``invalid_client`` for another client id (Amazon Cognito developer guide, "Token endpoint").
- ``POST /oauth2/revoke`` (``token``, ``client_id``): 200 with an empty body, also for a token
  already revoked or unknown (RFC 7009 section 2.2); 400 ``invalid_client`` for another client
  ("Revoke endpoint").

The hosted UI's ``/oauth2/authorize`` is a browser page (Google's consent); tests stand in for it
with :meth:`FakeCognito.authorize`, which takes the parameters the login redirect carries and
issues a code for a Google user, as the hosted UI does after Google signs the user in.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@dataclass
class GoogleUser:
    """A Google account as the pool maps it (``AttributeMapping``): the pool's ``sub`` and the
    Google account id in ``identities``."""

    sub: str
    email: str
    name: str
    picture: str
    google_id: str


@dataclass
class _Code:
    user: GoogleUser
    client_id: str
    redirect_uri: str
    challenge: str
    expires_at: float
    used: bool = False


class FakeCognito:
    """The fake pool's endpoints on a loopback port (``url``); ``client_id`` is the app client."""

    def __init__(self, client_id: str = "backlot-test-client") -> None:
        self.client_id = client_id
        self.codes: dict[str, _Code] = {}
        self.revoked: set[str] = set()
        self.refresh_tokens: dict[str, str] = {}
        self.requests: list[dict[str, Any]] = []
        self.fail_with: int | None = None  # answer every request with this status (an outage)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

    @staticmethod
    def google_user(name: str = "Ada") -> GoogleUser:
        """A new Google account with a fresh pool ``sub``."""
        return GoogleUser(sub=str(uuid.uuid4()), email=f"{name.lower()}.{secrets.token_hex(3)}@gmail.com", name=name,
                          picture=f"https://lh3.googleusercontent.com/a/{secrets.token_hex(8)}",
                          google_id=str(secrets.randbelow(10**20)))

    def authorize(self, params: dict[str, str], user: GoogleUser) -> str:
        """What the hosted UI does for ``/oauth2/authorize?...`` once Google signed ``user`` in: a
        single-use code valid 5 minutes (Cognito's authorization codes), bound to the redirect URI
        and the PKCE challenge."""
        assert params.get("response_type") == "code" and params.get("code_challenge_method") == "S256", params
        code = str(uuid.uuid4())
        with self._lock:
            self.codes[code] = _Code(user, params["client_id"], params["redirect_uri"], params["code_challenge"],
                                     time.time() + 300)
        return code

    def _id_token(self, user: GoogleUser) -> str:
        now = int(time.time())
        claims = {"sub": user.sub, "email": user.email, "email_verified": True, "name": user.name,
                  "picture": user.picture, "aud": self.client_id, "token_use": "id", "auth_time": now, "iat": now,
                  "exp": now + 3600, "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_fake",
                  "cognito:username": f"google_{user.google_id}",
                  "identities": [{"userId": user.google_id, "providerName": "Google", "providerType": "Google",
                                  "issuer": None, "primary": "true", "dateCreated": str(now * 1000)}]}
        header = {"kid": "fake", "alg": "RS256"}
        return ".".join([_b64(json.dumps(header).encode()), _b64(json.dumps(claims).encode()), _b64(secrets.token_bytes(32))])

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """The token endpoint."""
        if form.get("client_id") != self.client_id:
            return 400, {"error": "invalid_client"}
        if form.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type"}
        with self._lock:
            found = self.codes.get(form.get("code", ""))
            verifier = form.get("code_verifier", "")
            if (found is None or found.used or found.expires_at < time.time()
                    or found.redirect_uri != form.get("redirect_uri")
                    or _b64(hashlib.sha256(verifier.encode()).digest()) != found.challenge):
                return 400, {"error": "invalid_grant"}
            found.used = True
            refresh = _b64(secrets.token_bytes(48))
            self.refresh_tokens[refresh] = found.user.sub
        return 200, {"id_token": self._id_token(found.user), "access_token": _b64(secrets.token_bytes(48)),
                     "refresh_token": refresh, "expires_in": 3600, "token_type": "Bearer"}

    def revoke(self, form: dict[str, str]) -> tuple[int, dict[str, Any] | None]:
        """The revoke endpoint."""
        if form.get("client_id") != self.client_id:
            return 400, {"error": "invalid_client"}
        if not form.get("token"):
            return 400, {"error": "invalid_request"}
        with self._lock:
            self.revoked.add(form["token"])
        return 200, None

    def __enter__(self) -> "FakeCognito":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                with fake._lock:
                    fake.requests.append({"path": self.path, "form": form,
                                          "content_type": self.headers.get("Content-Type")})
                if fake.fail_with:
                    status, body = fake.fail_with, {"error": "server_error"}
                elif self.path == "/oauth2/token":
                    status, body = fake.token(form)
                elif self.path == "/oauth2/revoke":
                    status, body = fake.revoke(form)
                else:
                    status, body = 404, {"error": "not_found"}
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
