"""A local HTTP server that receives outgoing webhooks as a user's endpoint would: it verifies
each request's Standard Webhooks signature (``backlot.webhooks.verify``) with the endpoint's secret,
records every request, and answers from a script (``answers``: a status per request, then
``default``; ``"slow"`` sleeps past the sender's timeout; ``"redirect"`` answers 302)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from backlot import webhooks


@dataclass
class Received:
    """One request: its headers, raw body, parsed JSON, and whether the signature verified."""

    headers: dict[str, str]
    body: bytes
    verified: bool
    error: str | None = None

    @property
    def webhook_id(self) -> str:
        return self.headers.get("webhook-id", "")

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    secret: str | None = None
    default: int | str = 200
    answers: list[int | str] = field(default_factory=list)
    slow_s: float = 2.0
    received: list[Received] = field(default_factory=list)

    def start(self) -> str:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                verified, error = False, None
                try:
                    if owner.secret:
                        webhooks.verify(owner.secret, headers, body)
                        verified = True
                except webhooks.WebhookVerificationError as exc:
                    error = exc.code
                with owner.lock:
                    owner.received.append(Received(headers, body, verified, error))
                    answer = owner.answers.pop(0) if owner.answers else owner.default
                if answer == "slow":
                    time.sleep(owner.slow_s)
                    answer = 200
                if answer == "redirect":
                    self.send_response(302)
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                text = ("x" * 2000).encode() if answer == 200 else f'{{"error": "status {answer}"}}'.encode()
                try:
                    self.send_response(int(answer))
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(text)))
                    self.end_headers()
                    self.wfile.write(text)
                except OSError:
                    pass  # the sender gave up (timeout)

        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
