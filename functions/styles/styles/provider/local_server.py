"""The local GPU provider: Replicate's HTTP API shapes, answered on loopback for ``backlot dev`` and tests.

It accepts the calls :class:`styles.provider.replicate.ReplicateProvider` makes and answers with
Replicate's shapes (replicate.com/docs/reference/http):

* ``POST /v1/models/{owner}/{name}/versions/{version}/trainings`` -> 201, the training
  ``{"id", "model", "version", "destination", "input", "status": "starting", "output": null,
  "error": null, "logs": "", "created_at", "started_at", "completed_at", "urls": {"get", "cancel"},
  "webhook", "webhook_events_filter"}``. It downloads ``input.input_images`` (a ZIP URL),
  learns the style from the images (``render.learn_style``) in ``train_seconds``, and ends
  ``succeeded`` with ``output: {"version": "<destination>:<version id>", "weights": <url>}`` or
  ``failed`` with ``error`` (no readable image, a file that is not an image, a bad ZIP).
* ``POST /v1/predictions`` (``{"version", "input": {"prompt", "aspect_ratio", "seed"}, ...}``) ->
  201, the prediction; after ``predict_seconds`` it renders a PNG with that version's style
  (``render.render``) and ends ``succeeded`` with ``output: [<url of the PNG>]``, served by
  ``GET /files/outputs/<id>.png``. A prompt containing ``fail_marker`` fails the prediction
  (``error``: the marker's message), so tests can see a failed generation refunded.
* ``GET /v1/{trainings|predictions}/{id}``, ``POST /v1/{...}/{id}/cancel`` (``canceled`` unless
  already finished), ``GET /v1/webhooks/default/secret`` -> ``{"key": "whsec_..."}``.
* Errors: ``{"detail": ..., "status": n, "title": ...}``: 401 without a bearer token, 404 unknown
  job or version, 422 bad input.

On completion it POSTs the job to its ``webhook`` signed per Standard Webhooks (``signing``,
with the same ``webhook-id`` on each retry), retrying up to ``webhook_attempts`` times with
backoff (1, 2, 4 s) on a connection error or a non-2xx answer, as Replicate does. ``POST
/_local/settings`` (JSON) changes ``deliver_webhooks``, ``train_seconds``, ``predict_seconds`` or
``fail_marker`` at run time (tests use it to lose callbacks for the reconcile job). Trained styles
and outputs are files under ``state_dir``, so they survive a restart of ``backlot dev``.

Run alone: ``python -m styles.provider.local_server --port 3100 --state-dir .backlot/provider``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import logging
import os
import re
import threading
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from backlot import webhooks as signing

from styles import pricing
from styles.provider import render

log = logging.getLogger("styles.local_provider")

MAX_ZIP_BYTES = 1200 * 1024 * 1024
MAX_MEMBER_BYTES = 10 * 1024 * 1024
MAX_MEMBERS = 100
_TRAIN_PATH = re.compile(r"^/v1/models/([^/]+)/([^/]+)/versions/([^/]+)/trainings$")
_JOB_PATH = re.compile(r"^/v1/(trainings|predictions)/([A-Za-z0-9]+)(/cancel)?$")
_FILE_PATH = re.compile(r"^/files/(outputs|weights)/([A-Za-z0-9]+)\.png$")


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _job_id() -> str:
    return uuid.uuid4().hex[:26]


class LocalProvider:
    """The provider's state and behaviour (the HTTP handler is a thin layer over it).

    Args:
        state_dir: where trained styles (``weights/``) and rendered images (``outputs/``) live.
        secret: the webhook signing secret (``whsec_<base64>``); a random one when None.
        train_seconds, predict_seconds: how long a training / a prediction "runs".
        fail_marker: a prompt containing it fails.
        webhook_attempts: deliveries tried per webhook.
    """

    def __init__(self, state_dir: Path, *, secret: str | None = None, train_seconds: float = 2.0,
                 predict_seconds: float = 0.5, fail_marker: str = "provider-fail", webhook_attempts: int = 4):
        self.state_dir = Path(state_dir)
        (self.state_dir / "weights").mkdir(parents=True, exist_ok=True)
        (self.state_dir / "outputs").mkdir(parents=True, exist_ok=True)
        self.secret = secret or "whsec_" + base64.b64encode(os.urandom(24)).decode()
        self.train_seconds = train_seconds
        self.predict_seconds = predict_seconds
        self.fail_marker = fail_marker
        self.webhook_attempts = webhook_attempts
        self.deliver_webhooks = True
        self.base_url = ""
        self.jobs: dict[str, dict[str, Any]] = {}
        self.webhook_log: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    # -- jobs ---------------------------------------------------------------------------------
    def _new_job(self, kind: str, fields: dict[str, Any]) -> dict[str, Any]:
        job_id = _job_id()
        path = "trainings" if kind == "training" else "predictions"
        job = {
            "id": job_id, "status": "starting", "output": None, "error": None, "logs": "",
            "created_at": _now(), "started_at": None, "completed_at": None,
            "urls": {"get": f"{self.base_url}/v1/{path}/{job_id}", "cancel": f"{self.base_url}/v1/{path}/{job_id}/cancel"},
            "metrics": {}, **fields,
        }
        with self._lock:
            self.jobs[job_id] = job
        return job

    def snapshot(self, job_id: str) -> dict[str, Any] | None:
        """A copy of the job's JSON, or None."""
        with self._lock:
            job = self.jobs.get(job_id)
            return json.loads(json.dumps(job)) if job else None

    def _set(self, job_id: str, **changes: Any) -> bool:
        """Apply ``changes`` unless the job is already finished; False when it was."""
        with self._lock:
            job = self.jobs[job_id]
            if job["status"] in ("succeeded", "failed", "canceled"):
                return False
            job.update(changes)
            return True

    def create_training(self, owner: str, name: str, version: str, body: dict[str, Any]) -> dict[str, Any]:
        """Start a training (see module doc); returns the job."""
        inputs = body.get("input") or {}
        if not isinstance(inputs, dict) or not isinstance(inputs.get("input_images"), str):
            raise ValueError("input.input_images: a URL of a ZIP of images is required")
        destination = body.get("destination")
        if not isinstance(destination, str) or "/" not in destination:
            raise ValueError("destination: owner/name is required")
        job = self._new_job("training", {
            "model": f"{owner}/{name}", "version": version, "destination": destination, "input": inputs,
            "webhook": body.get("webhook"), "webhook_events_filter": body.get("webhook_events_filter") or [],
        })
        created = self.snapshot(job["id"]) or job
        threading.Thread(target=self._run_training, args=(job["id"],), daemon=True).start()
        return created

    def create_prediction(self, body: dict[str, Any]) -> dict[str, Any]:
        """Start a prediction (see module doc); returns the job.

        Raises:
            ValueError: bad input. KeyError: unknown version.
        """
        version = body.get("version")
        inputs = body.get("input") or {}
        if not isinstance(version, str) or not version:
            raise ValueError("version is required")
        version = version.split(":", 1)[-1]
        if not (self.state_dir / "weights" / f"{version}.png").exists():
            raise KeyError(version)
        if not isinstance(inputs, dict) or not isinstance(inputs.get("prompt"), str):
            raise ValueError("input.prompt is required")
        if inputs.get("aspect_ratio", "1:1") not in pricing.DIMENSIONS:
            raise ValueError(f"input.aspect_ratio must be one of {', '.join(pricing.ASPECT_RATIOS)}")
        job = self._new_job("prediction", {
            "model": "local/styles", "version": version, "input": inputs,
            "webhook": body.get("webhook"), "webhook_events_filter": body.get("webhook_events_filter") or [],
        })
        created = self.snapshot(job["id"]) or job
        threading.Thread(target=self._run_prediction, args=(job["id"],), daemon=True).start()
        return created

    def cancel(self, job_id: str) -> dict[str, Any] | None:
        """Cancel a job unless finished; returns it (None when unknown)."""
        if job_id not in self.jobs:
            return None
        if self._set(job_id, status="canceled", completed_at=_now()):
            self._deliver(job_id)
        return self.snapshot(job_id)

    def _run_training(self, job_id: str) -> None:
        self._set(job_id, status="processing", started_at=_now())
        job = self.snapshot(job_id) or {}
        try:
            images = _zip_images(_download(job["input"]["input_images"], MAX_ZIP_BYTES))
            style = render.learn_style(images)
            time.sleep(self.train_seconds)
            version = hashlib.sha256(job_id.encode()).hexdigest()
            (self.state_dir / "weights" / f"{version}.png").write_bytes(render.save_style(style))
            output = {"version": f"{job['destination']}:{version}",
                      "weights": f"{self.base_url}/files/weights/{version}.png"}
            changed = self._set(job_id, status="succeeded", output=output, completed_at=_now(),
                                logs=f"trained on {style.image_count} images\n")
        except (ValueError, render.NotAnImage, OSError, zipfile.BadZipFile) as exc:
            changed = self._set(job_id, status="failed", error=f"training failed: {exc}", completed_at=_now())
        if changed:
            self._deliver(job_id)

    def _run_prediction(self, job_id: str) -> None:
        self._set(job_id, status="processing", started_at=_now())
        job = self.snapshot(job_id) or {}
        inputs = job["input"]
        prompt = str(inputs["prompt"])
        time.sleep(self.predict_seconds)
        if self.fail_marker and self.fail_marker in prompt:
            changed = self._set(job_id, status="failed", completed_at=_now(),
                                error=f"the prompt asked the local provider to fail ({self.fail_marker})")
        else:
            try:
                style = render.load_style((self.state_dir / "weights" / f"{job['version']}.png").read_bytes())
                width, height = pricing.dimensions_of(str(inputs.get("aspect_ratio", "1:1")))
                png = render.render(style, prompt=prompt, seed=int(inputs.get("seed") or 0), width=width,
                                    height=height)
                (self.state_dir / "outputs" / f"{job_id}.png").write_bytes(png)
                changed = self._set(job_id, status="succeeded", completed_at=_now(),
                                    output=[f"{self.base_url}/files/outputs/{job_id}.png"])
            except (OSError, ValueError, render.NotAnImage) as exc:
                changed = self._set(job_id, status="failed", error=f"render failed: {exc}", completed_at=_now())
        if changed:
            self._deliver(job_id)

    # -- webhooks -----------------------------------------------------------------------------
    def _deliver(self, job_id: str) -> None:
        job = self.snapshot(job_id)
        if not job or not job.get("webhook") or not self.deliver_webhooks:
            return
        events = job.get("webhook_events_filter") or []
        if events and "completed" not in events:
            return
        body = json.dumps(job).encode()
        message_id = "msg_" + uuid.uuid4().hex
        for attempt in range(self.webhook_attempts):
            headers = {"Content-Type": "application/json", **signing.sign_headers(self.secret, message_id, body)}
            req = urllib.request.Request(job["webhook"], data=body, headers=headers, method="POST")
            status: int | str
            try:
                with urllib.request.urlopen(req, timeout=30) as resp:
                    status = resp.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except (urllib.error.URLError, OSError) as exc:
                status = type(exc).__name__
            self.webhook_log.append({"job": job_id, "message_id": message_id, "attempt": attempt + 1,
                                     "status": status})
            if isinstance(status, int) and 200 <= status < 300:
                return
            time.sleep(2 ** attempt)
        log.warning("webhook for %s not delivered after %d attempts", job_id, self.webhook_attempts)


def _download(url: str, max_bytes: int) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as resp:
        data = resp.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError("the training ZIP is too large")
    return data


def _zip_images(data: bytes) -> list[bytes]:
    """The members of a ZIP (bounded: at most 100, each at most 10 MB), in name order.

    Raises:
        ValueError: empty or over a bound. zipfile.BadZipFile: not a ZIP.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = sorted((m for m in archive.infolist() if not m.is_dir()), key=lambda m: m.filename)
        if not members:
            raise ValueError("the training ZIP holds no file")
        if len(members) > MAX_MEMBERS:
            raise ValueError(f"the training ZIP holds more than {MAX_MEMBERS} files")
        out = []
        for member in members:
            if member.file_size > MAX_MEMBER_BYTES:
                raise ValueError(f"{member.filename} is larger than 10 MB")
            with archive.open(member) as fh:
                out.append(fh.read(MAX_MEMBER_BYTES + 1))
        return out


class _Handler(BaseHTTPRequestHandler):
    provider: LocalProvider  # set on the subclass made by serve()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - BaseHTTPRequestHandler's name
        log.debug(format, *args)

    def _send(self, status: int, body: dict[str, Any] | bytes, content_type: str = "application/json") -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, title: str, detail: str) -> None:
        self._send(status, {"title": title, "detail": detail, "status": status})

    def _authorized(self) -> bool:
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            self._error(401, "Unauthenticated", "You did not pass a valid authentication token")
            return False
        return True

    def _body(self) -> dict[str, Any] | None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            data = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            data = None
        if not isinstance(data, dict):
            self._error(400, "Bad request", "the body must be a JSON object")
            return None
        return data

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        """Jobs, the webhook secret and rendered files."""
        path = self.path.split("?", 1)[0]
        file_match = _FILE_PATH.match(path)
        if file_match:
            file = self.provider.state_dir / file_match.group(1) / f"{file_match.group(2)}.png"
            if not file.exists():
                self._error(404, "Not found", "no such file")
                return
            self._send(200, file.read_bytes(), "image/png")
            return
        if not self._authorized():
            return
        if path == "/v1/webhooks/default/secret":
            self._send(200, {"key": self.provider.secret})
            return
        match = _JOB_PATH.match(path)
        job = self.provider.snapshot(match.group(2)) if match and not match.group(3) else None
        if job is None:
            self._error(404, "Not found", "The requested resource could not be found.")
            return
        self._send(200, job)

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        """Create trainings and predictions, cancel jobs, change settings."""
        path = self.path.split("?", 1)[0]
        if path == "/_local/settings":
            body = self._body()
            if body is None:
                return
            for key in ("deliver_webhooks", "train_seconds", "predict_seconds", "fail_marker"):
                if key in body:
                    setattr(self.provider, key, body[key])
            self._send(200, {k: getattr(self.provider, k) for k in
                             ("deliver_webhooks", "train_seconds", "predict_seconds", "fail_marker")})
            return
        if not self._authorized():
            return
        match = _JOB_PATH.match(path)
        if match and match.group(3):
            job = self.provider.cancel(match.group(2))
            if job is None:
                self._error(404, "Not found", "The requested resource could not be found.")
            else:
                self._send(200, job)
            return
        body = self._body()
        if body is None:
            return
        try:
            train = _TRAIN_PATH.match(path)
            if train:
                self._send(201, self.provider.create_training(*train.groups(), body))
            elif path == "/v1/predictions":
                self._send(201, self.provider.create_prediction(body))
            else:
                self._error(404, "Not found", "The requested resource could not be found.")
        except KeyError:
            self._error(404, "Not found", "The specified version does not exist (or perhaps you don't have permission to use it?)")
        except ValueError as exc:
            self._error(422, "Input validation failed", str(exc))


def serve(provider: LocalProvider, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """Start serving ``provider`` on a daemon thread; returns the server (``server_address``
    gives the port; call ``shutdown()`` then ``server_close()`` to stop)."""
    handler = type("LocalProviderHandler", (_Handler,), {"provider": provider})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    provider.base_url = f"http://{host}:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, name="local-provider", daemon=True).start()
    return server


def main(argv: list[str] | None = None) -> None:
    """Command line: serve until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3100)
    parser.add_argument("--state-dir", default=".backlot/provider")
    parser.add_argument("--secret", default=os.environ.get("STYLES_PROVIDER_WEBHOOK_SECRET"))
    args = parser.parse_args(argv)
    provider = LocalProvider(Path(args.state_dir), secret=args.secret)
    server = serve(provider, args.host, args.port)
    print(f"local provider on {provider.base_url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main()
