"""Restarting ``backlot dev`` keeps the database and the emulator's S3 consistent: a row that names
a file still finds it after a Ctrl-C restart and after SIGKILL; a database whose S3 recording is
gone is reset with it; ``backlot reset`` removes both."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import psycopg
import pytest
import requests

from backlot_local.emulator import client, is_s3_write

from .lifecycle import REPO_ROOT, UNIT_FIXTURES, cleanup, new_state, start_dev

pytestmark = pytest.mark.integration

BUCKET = "shop-dev-uploads-123456789012"  # the fixture template's bucket
PHOTO = bytes(range(256)) * 4096  # 1 MiB


@pytest.fixture()
def state():
    folder = new_state()
    yield folder
    cleanup(folder)


def services(state) -> dict:
    return json.loads((state / "dev.json").read_text())


def upload_and_mark_ready(state, key: str) -> None:
    """What the media processor does: write the files, then commit the row that names them."""
    info = services(state)
    s3 = client("s3", info["aws_endpoint"])
    s3.put_object(Bucket=BUCKET, Key=f"{key}/original.bin", Body=PHOTO, ContentType="application/octet-stream")
    post = s3.generate_presigned_post(BUCKET, f"{key}/thumb.jpg", Fields={"Content-Type": "image/jpeg"}, Conditions=[{"Content-Type": "image/jpeg"}])
    assert requests.post(post["url"], data=post["fields"], files={"file": ("t.jpg", b"\xff\xd8thumb")}, timeout=30).status_code == 204
    s3.put_object(Bucket=BUCKET, Key=f"{key}/scratch", Body=b"x")
    s3.delete_object(Bucket=BUCKET, Key=f"{key}/scratch")
    with psycopg.connect(info["database_url"], autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS restart_probe (key text PRIMARY KEY, status text NOT NULL)")
        conn.execute("INSERT INTO restart_probe VALUES (%s, 'ready')", (key,))


def ready_rows_and_their_files(state) -> dict[str, dict[str, bytes]]:
    info = services(state)
    s3 = client("s3", info["aws_endpoint"])
    with psycopg.connect(info["database_url"]) as conn:
        exists = conn.execute("SELECT to_regclass('restart_probe')").fetchone()[0]
        keys = [row[0] for row in conn.execute("SELECT key FROM restart_probe WHERE status = 'ready'")] if exists else []
    found = {}
    for key in keys:
        listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{key}/").get("Contents", [])
        found[key] = {o["Key"].rsplit("/", 1)[1]: s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read() for o in listed}
    return found


def test_rows_and_files_survive_ctrl_c_and_sigkill(state) -> None:
    expected = {"original.bin": PHOTO, "thumb.jpg": b"\xff\xd8thumb"}
    dev = start_dev(state)
    try:
        upload_and_mark_ready(state, "photo-1")
        dev.interrupt()
    finally:
        dev.kill()
    dev = start_dev(state)
    try:
        assert "[aws] S3 restored from" in dev.log()
        assert ready_rows_and_their_files(state) == {"photo-1": expected}
        upload_and_mark_ready(state, "photo-2")
        dev.process.send_signal(signal.SIGKILL)
        dev.process.wait(10)
    finally:
        dev.kill()
    dev = start_dev(state)
    try:
        assert ready_rows_and_their_files(state) == {"photo-1": expected, "photo-2": expected}
        dev.interrupt()
    finally:
        dev.kill()


def test_a_database_without_its_recording_is_reset_with_it(state) -> None:
    dev = start_dev(state)
    try:
        upload_and_mark_ready(state, "photo-1")
        dev.interrupt()
    finally:
        dev.kill()
    (state / "s3-recording.jsonl").unlink()
    dev = start_dev(state)
    try:
        assert "was missing, so files the database names were gone: the database was reset too" in dev.log()
        assert ready_rows_and_their_files(state) == {}
        upload_and_mark_ready(state, "photo-2")
        dev.interrupt()
    finally:
        dev.kill()
    env = {"BACKLOT_ROOT": str(UNIT_FIXTURES), "BACKLOT_STATE_DIR": str(state), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "backlot_local", "reset"], env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert not (state / "pgdata").exists() and not (state / "s3-recording.jsonl").exists()


class Headers(dict):
    def get(self, key, default=None):
        return super().get(key, default)


def test_only_s3_writes_are_recorded() -> None:
    s3_auth = {"Authorization": "AWS4-HMAC-SHA256 Credential=testing/20261205/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x"}
    sqs_auth = {"Authorization": s3_auth["Authorization"].replace("/s3/", "/sqs/")}
    assert is_s3_write("PUT", Headers(s3_auth), {})
    assert is_s3_write("DELETE", Headers(s3_auth), {})
    assert is_s3_write("PUT", Headers(), {"X-Amz-Credential": "testing/20261205/us-east-1/s3/aws4_request"})
    assert is_s3_write("POST", Headers({"Content-Type": "multipart/form-data; boundary=x"}), {})
    assert not is_s3_write("GET", Headers(s3_auth), {})
    assert not is_s3_write("PUT", Headers(s3_auth), {"notification": ""})
    assert not is_s3_write("POST", Headers(sqs_auth), {})
    assert not is_s3_write("POST", Headers({**s3_auth, "X-Amz-Target": "AmazonSQS.SendMessage"}), {})
