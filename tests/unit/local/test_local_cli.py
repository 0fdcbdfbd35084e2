"""The ``backlot`` command: token, user-id, routes in-process; invoke as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from backlot.auth import user_id_for_subject
from backlot_local.cli import main
from backlot_local.tokens import load_keys, verify_token

from .conftest import FIXTURES


@pytest.fixture()
def fixture_root(monkeypatch, tmp_path):
    monkeypatch.setenv("BACKLOT_ROOT", str(FIXTURES))
    monkeypatch.setenv("BACKLOT_STATE_DIR", str(tmp_path))
    return tmp_path


def test_token_prints_one_verifiable_line(fixture_root, capsys) -> None:
    assert main(["token", "alice", "--group", "admin", "--group", "staff", "--email", "a@example.com", "--ttl", "120"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    claims = verify_token(load_keys(fixture_root), out.strip())
    assert claims["sub"] == "alice" and claims["cognito:groups"] == ["admin", "staff"] and claims["email"] == "a@example.com"
    assert claims["exp"] - claims["iat"] == 120


def test_user_id(fixture_root, capsys) -> None:
    assert main(["user-id", "alice"]) == 0
    assert capsys.readouterr().out.strip() == str(user_id_for_subject("alice"))


def test_routes(fixture_root, capsys) -> None:
    assert main(["routes"]) == 0
    out = capsys.readouterr().out
    assert "GET     /shop/items/{item_id} -> ShopStack/GetItemFunction (JWT Jwt)" in out
    assert "/shop/players/{player_id}/next -> ShopStack/PlayerFunction (Lambda authorizer Device)" in out


def _invoke(root_state, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {
        "PATH": "/usr/bin:/bin",
        "BACKLOT_ROOT": str(FIXTURES),
        "BACKLOT_STATE_DIR": str(root_state),
        "DATABASE_URL": "postgresql://invoke-test/backlot",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:5999",
    }
    return subprocess.run([sys.executable, "-m", "backlot_local", "invoke", *args], env=env, input=stdin, capture_output=True, text=True, timeout=120)


def test_invoke_prints_the_return_value(fixture_root, tmp_path) -> None:
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps({"hello": "world"}))
    done = _invoke(fixture_root, "ShopStack/GetItemFunction", "-e", str(event_file))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)  # stdout holds the result and nothing else
    body = json.loads(result["body"])
    assert body["event"] == {"hello": "world"}
    assert body["env"]["DATABASE_URL"] == "postgresql://invoke-test/backlot" and body["env"]["STAGE"] == "dev"
    assert body["sys_path"][0] == str(FIXTURES / "handlers") and body["context"]["memory_limit_in_mb"] == "256"
    assert "[invoke] ShopStack/GetItemFunction" in done.stderr
    from_stdin = _invoke(fixture_root, "GetItemFunction", "-e", "-", stdin='{"n": 1}')
    assert json.loads(json.loads(from_stdin.stdout)["body"])["event"] == {"n": 1}


def test_invoke_reports_errors_like_lambda(fixture_root) -> None:
    boom = _invoke(fixture_root, "BoomFunction")
    assert boom.returncode == 1
    error = json.loads(boom.stdout)
    assert error["errorType"] == "ValueError" and error["stackTrace"]
    assert "[ERROR] ValueError: boom" in boom.stderr
    slow = _invoke(fixture_root, "ShopStack/SlowFunction")
    assert slow.returncode == 1 and json.loads(slow.stdout)["errorType"] == "Sandbox.Timedout"
    missing = _invoke(fixture_root, "NoSuchFunction")
    assert missing.returncode == 2 and "no function NoSuchFunction" in missing.stderr
