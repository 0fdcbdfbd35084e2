"""The movies product wired to real PostgreSQL and the AWS emulator, called through its Lambda
handlers with real API Gateway, S3-notification and SQS event shapes."""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from urllib3 import encode_multipart_formdata

from tests.support.clients import ApiClient, QueueDriver, Response
from tests.support.fake_tmdb import FakeTmdb

EXPORTS = "backlot-test-movies-exports"


class MoviesApi(ApiClient):
    """The movies API (anonymous: no user) with a multipart upload helper."""

    def upload(self, files: list[tuple[str, bytes]], *, content_type: str = "text/csv") -> Response:
        fields = [("files", (name, data, "application/zip" if name.endswith(".zip") else content_type)) for name, data in files]
        body, ctype = encode_multipart_formdata(fields)
        return self.call("POST", "/api/upload", user=None, body=body, content_type=ctype)

    def get(self, path: str, **kw) -> Response:  # type: ignore[override]
        return super().get(path, user=None, **kw)

    def post(self, path: str, json_body=None, **kw) -> Response:  # type: ignore[override]
        return super().post(path, json_body, user=None, **kw)

    def delete(self, path: str, **kw) -> Response:  # type: ignore[override]
        return super().delete(path, user=None, **kw)


def _queue(sqs, name: str, visibility: int = 1) -> tuple[str, str, str]:
    dlq = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(QueueName=name, Attributes={
        "VisibilityTimeout": str(visibility),
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"}),
    })["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn, dlq


@pytest.fixture(scope="session")
def movies_env(database_url: str, aws_endpoint: str) -> dict[str, str]:
    """The exports bucket (uploads -> SQS), the exports and enrichment queues with DLQs, as the
    movies template declares them."""
    s3, sqs = boto3.client("s3"), boto3.client("sqs")
    exports_url, exports_arn, exports_dlq = _queue(sqs, "movies-exports")
    enrich_url, _, enrich_dlq = _queue(sqs, "movies-enrich")
    s3.create_bucket(Bucket=EXPORTS)
    s3.put_bucket_notification_configuration(
        Bucket=EXPORTS,
        NotificationConfiguration={"QueueConfigurations": [{
            "QueueArn": exports_arn, "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "exports/"}]}},
        }]},
    )
    os.environ.update({"EXPORTS_BUCKET": EXPORTS, "ENRICH_QUEUE_URL": enrich_url, "POWERTOOLS_TRACE_DISABLED": "true",
                       "POWERTOOLS_METRICS_DISABLED": "true"})
    os.environ.pop("TMDB_API_KEY", None)
    from movies.settings import get_settings

    get_settings.cache_clear()
    return {"exports_url": exports_url, "exports_dlq": exports_dlq, "enrich_url": enrich_url, "enrich_dlq": enrich_dlq}


@pytest.fixture(scope="session")
def api(movies_env: dict[str, str]) -> MoviesApi:
    os.environ["API_BASE_PATH"] = "/movies"
    from movies.api import handler

    return MoviesApi(handler, "/movies")


@pytest.fixture()
def parse_queue(movies_env: dict[str, str]) -> QueueDriver:
    from movies.jobs import parse_handler

    queue = QueueDriver(parse_handler, movies_env["exports_url"])
    queue.drain()
    return queue


@pytest.fixture()
def enrich_queue(movies_env: dict[str, str]) -> QueueDriver:
    from movies.jobs import enrich_handler

    queue = QueueDriver(enrich_handler, movies_env["enrich_url"])
    queue.drain()
    return queue


@pytest.fixture()
def tmdb(movies_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTmdb]:
    """A fake TMDB and the settings pointing at it (fast rate for tests; the rate test lowers it).

    An attempt may wait 2 s: the test handlers' context leaves 10 s (``LambdaContext``), so the
    enrich deadline (``jobs._deadline``: 7.5 s) leaves room for a few attempts of a local server.
    """
    from movies.settings import get_settings

    with FakeTmdb() as fake:
        monkeypatch.setenv("TMDB_API_KEY", fake.api_key)
        monkeypatch.setenv("TMDB_BASE_URL", fake.url)
        monkeypatch.setenv("TMDB_REQUESTS_PER_SECOND", "1000")
        monkeypatch.setenv("TMDB_RETRIES", "2")
        monkeypatch.setenv("TMDB_TIMEOUT_S", "2")
        get_settings.cache_clear()
        yield fake
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    from movies.settings import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


# ---------------------------------------------------------------- the real export
def export_files(folder: Path) -> list[tuple[str, bytes]]:
    """Every CSV of the unzipped export, named by its path inside the export."""
    return [(str(p.relative_to(folder)), p.read_bytes()) for p in sorted(folder.rglob("*.csv"))]


def export_zip(folder: Path) -> bytes:
    """The export zipped the way Letterboxd sends it (CSVs at the root, lists/ beside them)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in export_files(folder):
            archive.writestr(name, data)
    return out.getvalue()


@pytest.fixture(scope="session")
def letterboxd(shared_data: Path) -> Path:
    folder = shared_data / "letterboxd" / "patrickmjones"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    return folder
