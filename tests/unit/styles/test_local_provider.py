"""The hosted provider's adapter against the local provider: a real LoRA-training round trip on
photos from shared/data, a rendered PNG, signed webhooks, failures, cancel and error mapping."""

from __future__ import annotations

import io
import json
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image

from backlot import webhooks as signing
from styles.provider import render
from styles.provider.base import ProviderJobNotFound, ProviderRejected, job_from_json
from styles.provider.local_server import LocalProvider, serve
from styles.provider.replicate import ReplicateProvider

PHOTOS = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "images" / "orientation"


def _photos() -> list[bytes]:
    if not PHOTOS.is_dir():
        pytest.skip(f"{PHOTOS} is absent (shared data not beside the checkout)")
    files = sorted(PHOTOS.glob("*.jpg"))
    return [p.read_bytes() for p in (files * 2)[:10]]


class _Sink:
    """A tiny HTTP server: serves one ZIP at /set.zip and records webhook POSTs."""

    def __init__(self, zip_bytes: bytes, answer: int = 200):
        self.zip_bytes = zip_bytes
        self.answer = answer
        self.calls: list[tuple[dict[str, str], bytes]] = []
        sink = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):  # quiet
                pass

            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Length", str(len(sink.zip_bytes)))
                self.end_headers()
                self.wfile.write(sink.zip_bytes)

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                sink.calls.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(sink.answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _zip(files: list[bytes], names: list[str] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for i, data in enumerate(files):
            z.writestr(names[i] if names else f"{i:03d}.jpg", data)
    return out.getvalue()


@pytest.fixture
def provider(tmp_path):
    local = LocalProvider(tmp_path / "provider", train_seconds=0.05, predict_seconds=0.01, webhook_attempts=2)
    server = serve(local)
    yield local
    server.shutdown()
    server.server_close()


def _client(local: LocalProvider) -> ReplicateProvider:
    return ReplicateProvider(api_token="r8_test", base_url=local.base_url, destination="backlot/styles")


def _wait(client, kind, job_id, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(kind, job_id)
        if job.terminal:
            return job
        time.sleep(0.05)
    raise AssertionError(f"{kind} {job_id} did not finish")


def _wait_calls(sink, n, timeout=10.0):
    deadline = time.monotonic() + timeout
    while len(sink.calls) < n and time.monotonic() < deadline:
        time.sleep(0.02)
    return sink.calls


def test_training_then_prediction_round_trip_with_signed_webhooks(provider) -> None:
    sink = _Sink(_zip(_photos()))
    try:
        client = _client(provider)
        job = client.start_training(images_zip_url=sink.url + "/set.zip", trigger_word="TOK", steps=100,
                                    webhook_url=sink.url + "/hook/training")
        assert job.kind == "training" and job.status == "starting" and job.output is None
        done = _wait(client, "training", job.id)
        assert done.status == "succeeded", done.error
        assert done.output and done.output.startswith("backlot/styles:")
        headers, body = _wait_calls(sink, 1)[0]
        verified = signing.verify(provider.secret, headers, body)
        assert verified.message_id.startswith("msg_")
        assert json.loads(body)["id"] == job.id and json.loads(body)["status"] == "succeeded"

        pred = client.start_prediction(model_path=done.output, prompt="TOK, watercolor, harbour", aspect_ratio="16:9",
                                       seed=42, webhook_url=sink.url + "/hook/prediction")
        finished = _wait(client, "prediction", pred.id)
        assert finished.status == "succeeded", finished.error
        import urllib.request

        png = urllib.request.urlopen(finished.output).read()
        with Image.open(io.BytesIO(png)) as img:
            assert img.format == "PNG" and img.size == (1344, 768)
        assert len(_wait_calls(sink, 2)) == 2
    finally:
        sink.close()


def test_render_is_deterministic_per_seed_and_prompt_and_uses_the_style() -> None:
    style = render.learn_style(_photos())
    assert style.image_count == 10 and style.palette and style.tiles
    again = render.load_style(render.save_style(style))
    assert again.palette == style.palette and len(again.tiles) == len(style.tiles)
    a = render.render(again, prompt="sea", seed=1, width=256, height=256)
    assert a == render.render(again, prompt="sea", seed=1, width=256, height=256)
    assert a != render.render(again, prompt="sea", seed=2, width=256, height=256)
    assert a != render.render(again, prompt="forest", seed=1, width=256, height=256)


def test_training_on_a_file_that_is_not_an_image_fails_with_a_reason(provider) -> None:
    sink = _Sink(_zip([b"%PDF-1.4 not an image"] + _photos()[:9]))
    try:
        client = _client(provider)
        job = client.start_training(images_zip_url=sink.url + "/x.zip", trigger_word="TOK", steps=10,
                                    webhook_url=sink.url + "/hook")
        done = _wait(client, "training", job.id)
        assert done.status == "failed" and "training failed" in (done.error or "")
        assert done.output is None
    finally:
        sink.close()


def test_prediction_with_the_fail_marker_fails_and_unknown_version_is_rejected(provider) -> None:
    sink = _Sink(_zip(_photos()))
    try:
        client = _client(provider)
        trained = _wait(client, "training", client.start_training(
            images_zip_url=sink.url + "/set.zip", trigger_word="TOK", steps=1, webhook_url=sink.url + "/h").id)
        job = client.start_prediction(model_path=trained.output, prompt="TOK provider-fail", aspect_ratio="1:1",
                                      seed=1, webhook_url=sink.url + "/h")
        assert _wait(client, "prediction", job.id).status == "failed"
        with pytest.raises(ProviderJobNotFound):
            client.start_prediction(model_path="backlot/styles:" + "0" * 64, prompt="x", aspect_ratio="1:1", seed=1,
                                    webhook_url=sink.url + "/h")
        with pytest.raises(ProviderRejected) as err:
            client.start_prediction(model_path=trained.output, prompt="x", aspect_ratio="5:1", seed=1,
                                    webhook_url=sink.url + "/h")
        assert err.value.status == 422 and "aspect_ratio" in err.value.reason
        with pytest.raises(ProviderJobNotFound):
            client.get("prediction", "doesnotexist")
    finally:
        sink.close()


def test_cancel_stops_a_running_job_and_a_finished_one_stays(provider) -> None:
    provider.train_seconds = 2.0
    sink = _Sink(_zip(_photos()))
    try:
        client = _client(provider)
        job = client.start_training(images_zip_url=sink.url + "/set.zip", trigger_word="TOK", steps=1,
                                    webhook_url=sink.url + "/h")
        assert client.cancel("training", job.id).status == "canceled"
        time.sleep(2.3)
        assert client.get("training", job.id).status == "canceled"   # the run did not overwrite it
        assert client.cancel("training", job.id).status == "canceled"
    finally:
        sink.close()


def test_webhook_is_retried_with_the_same_id_when_the_receiver_fails(provider) -> None:
    sink = _Sink(_zip(_photos()), answer=500)
    try:
        client = _client(provider)
        client.start_training(images_zip_url=sink.url + "/set.zip", trigger_word="TOK", steps=1,
                              webhook_url=sink.url + "/h")
        calls = _wait_calls(sink, 2, timeout=15)
        assert len(calls) == 2
        assert calls[0][0]["webhook-id"] == calls[1][0]["webhook-id"]
    finally:
        sink.close()


def test_missing_token_is_401_and_job_from_json_reads_both_output_shapes(provider) -> None:
    bad = ReplicateProvider(api_token="", base_url=provider.base_url, destination="a/b")
    with pytest.raises(ProviderRejected) as err:
        bad.get("training", "x")
    assert err.value.status == 401
    t = job_from_json("training", {"id": "t", "status": "succeeded", "output": {"version": "a/b:c", "weights": "u"}})
    assert t.output == "a/b:c"
    p = job_from_json("prediction", {"id": "p", "status": "succeeded", "output": ["https://x/1.png"]})
    assert p.output == "https://x/1.png"
    assert job_from_json("prediction", {"id": "p", "status": "processing", "output": ["u"]}).output is None
    with pytest.raises(ValueError):
        job_from_json("prediction", {"status": "failed"})
