"""Style models, training and generation wired to real PostgreSQL, the AWS emulator (bucket with
upload notifications, the two job queues and the uploads queue, each with a dead-letter queue) and
the local GPU provider, whose signed webhooks reach the styles app through a small relay that turns
them into API Gateway events (as the HTTP API would)."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from urllib3 import encode_multipart_formdata

from tests.support.apigw import LambdaContext, http_event
from tests.support.clients import ApiClient, QueueDriver, Response

BUCKET = "backlot-test-styles-artworks"
INTERNAL_TOKEN = "internal-test-token-0123456789"
PHOTOS = Path(__file__).resolve().parents[5] / "shared" / "data" / "images"


def photos(count: int) -> list[tuple[str, bytes]]:
    """``count`` real photos from shared/data (EXIF orientation set and GPS samples, reused in turn)."""
    if not PHOTOS.is_dir():
        pytest.skip(f"{PHOTOS} is absent (shared data not beside the checkout)")
    files = sorted((PHOTOS / "orientation").glob("*.jpg")) + [PHOTOS / "gps" / "exif_gps.jpg"]
    return [(f"{i:03d}-{files[i % len(files)].name}", files[i % len(files)].read_bytes()) for i in range(count)]


def small_photos(count: int) -> list[tuple[str, bytes]]:
    """``count`` small real JPEGs (each photo scaled down, EXIF kept) so a multipart set fits the
    direct-upload limit."""
    import io

    from PIL import Image

    out = []
    for name, data in photos(count):
        with Image.open(io.BytesIO(data)) as img:
            exif = img.info.get("exif", b"")
            small = img.copy()
            small.thumbnail((320, 320))
            buf = io.BytesIO()
            small.save(buf, format="JPEG", quality=80, exif=exif)
        out.append((name, buf.getvalue()))
    return out


class StylesApi(ApiClient):
    """The styles app as one handler, with a multipart helper (callable from any thread)."""

    def call(self, *args: Any, **kw: Any) -> Response:  # type: ignore[override]
        ensure_event_loop()
        return super().call(*args, **kw)

    def create_model(self, user: str, files: list[tuple[str, bytes]], *, name: str, tags: list[str] | None = None,
                     groups: tuple[str, ...] = ("artist",), content_type: str = "image/jpeg",
                     extra: list[tuple[str, Any]] | None = None) -> Response:
        fields: list[tuple[str, Any]] = [("name", name)]
        fields += [("tags", t) for t in (tags or [])]
        fields += extra or []
        fields += [("images", (fname, data, content_type)) for fname, data in files]
        body, ctype = encode_multipart_formdata(fields)
        return self.call("POST", "/api/models/", user=user, groups=groups, body=body, content_type=ctype)


def ensure_event_loop() -> None:
    """Mangum runs the app on the thread's event loop: give a thread without one its own (the
    relay's request threads, ``at_once``'s workers)."""
    import asyncio

    try:
        asyncio.get_event_loop()
    except RuntimeError:
        asyncio.set_event_loop(asyncio.new_event_loop())


class Relay:
    """An HTTP server standing in for API Gateway in front of the webhook routes: each POST/PATCH
    becomes a payload 2.0 event for the styles handler (no authorizer: those routes have none)."""

    def __init__(self, handler: Callable[[dict, Any], dict]):
        relay = self
        self.calls: list[tuple[str, int]] = []

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path = self.path.split("?", 1)[0]
                event = http_event("POST", path[len("/styles"):], base_path="/styles", body=body,
                                   content_type=self.headers.get("Content-Type"))
                event["headers"].update({k.lower(): v for k, v in self.headers.items()})
                ensure_event_loop()
                out = handler(event, LambdaContext())
                relay.calls.append((path, out["statusCode"]))
                raw = out.get("body") or ""
                data = base64.b64decode(raw) if out.get("isBase64Encoded") else raw.encode()
                self.send_response(out["statusCode"])
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/styles"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _queue(sqs: Any, name: str) -> tuple[str, str]:
    dlq = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(QueueName=name, Attributes={
        "VisibilityTimeout": "1", "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"})})["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


@pytest.fixture(scope="session")
def gen(styles_env: None, aws_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Everything the generation half needs; yields handles to it."""
    from styles.provider.local_server import LocalProvider, serve

    s3, sqs = boto3.client("s3"), boto3.client("sqs")
    training_url, _ = _queue(sqs, "styles-training")
    generation_url, _ = _queue(sqs, "styles-generation")
    uploads_url, uploads_arn = _queue(sqs, "styles-artwork-uploads")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration={"QueueConfigurations": [{
        "QueueArn": uploads_arn, "Events": ["s3:ObjectCreated:*"],
        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "uploads/"}]}}}]})
    provider = LocalProvider(tmp_path_factory.mktemp("provider"), train_seconds=0.2, predict_seconds=0.05)
    provider_server = serve(provider)
    from styles.api import handler

    relay = Relay(handler)
    os.environ.update({
        "ARTWORKS_BUCKET": BUCKET, "TRAINING_QUEUE_URL": training_url, "GENERATION_QUEUE_URL": generation_url,
        "PUBLIC_API_URL": relay.url, "PROVIDER_BASE_URL": provider.base_url, "PROVIDER_API_TOKEN": "r8_local",
        "PROVIDER_WEBHOOK_SECRET": provider.secret, "INTERNAL_API_TOKEN": INTERNAL_TOKEN,
        "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_DISABLED": "true",
    })
    _clear_caches()
    from styles.jobs import handlers

    yield {
        "api": StylesApi(handler, "/styles"), "provider": provider, "relay": relay,
        "training": QueueDriver(handlers.dispatch_training_handler, training_url),
        "generation": QueueDriver(handlers.dispatch_generation_handler, generation_url),
        "uploads": QueueDriver(handlers.process_artwork_handler, uploads_url),
        "reconcile": handlers.reconcile_handler, "s3": s3, "sqs": sqs,
    }
    relay.close()
    provider_server.shutdown()
    provider_server.server_close()


def _clear_caches() -> None:
    from styles.gpu_settings import get_gpu_settings
    from styles.provider.factory import get_provider

    get_gpu_settings.cache_clear()
    get_provider.cache_clear()


def wait_for(check: Callable[[], Any], timeout: float = 20.0, every: float = 0.1) -> Any:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("condition not met in time")


def someone() -> str:
    """A fresh user name (each test works with its own people)."""
    return f"u-{uuid.uuid4().hex[:12]}"
