"""IAM database authentication through RDS Proxy, without a server: the token is the one boto3
makes, every new connection gets a fresh one, TLS verifies the proxy, and the settings accept
exactly the three ways to locate the database."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg
import pydantic
import pytest

from backlot import db, settings
from tests.conftest import REPO_ROOT

HOST = "backlot-dev.proxy-abcdefghijkl.us-east-1.rds.amazonaws.com"


@pytest.fixture()
def iam_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment a product function gets on AWS (COMMON.md): DB_HOST, DB_USER, DB_IAM_AUTH."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DB_SECRET_ARN", raising=False)
    monkeypatch.setenv("DB_HOST", HOST)
    monkeypatch.setenv("DB_USER", "backlot_family")
    monkeypatch.setenv("DB_IAM_AUTH", "true")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE12")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "session-token-of-the-execution-role")
    settings.get_settings.cache_clear()
    yield
    settings.get_settings.cache_clear()


@pytest.fixture()
def clock(monkeypatch: pytest.MonkeyPatch) -> list[dt.datetime]:
    """Freeze SigV4's clock; append to move it."""
    import botocore.auth

    now = [dt.datetime(2026, 12, 5, 20, 0, 0, tzinfo=dt.timezone.utc)]
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: now[-1])
    return now


def test_the_token_is_the_one_boto3_generates(
    iam_env: None, clock: list[dt.datetime], monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3
    import botocore.auth

    # Lambda's runtime has no awscrt; where it is installed (here, through the dev tools) botocore
    # signs with the CRT instead, which orders the query differently. Compare with what Lambda runs.
    monkeypatch.setitem(botocore.auth.AUTH_TYPE_MAPS, "v4-query", botocore.auth.SigV4QueryAuth)

    # A session of its own with the environment's credentials: boto3's default session may have
    # been set up by an earlier test with other credentials.
    import os

    session = boto3.session.Session(
        aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=os.environ["AWS_SESSION_TOKEN"],
    )
    expected = session.client("rds", region_name="us-east-1").generate_db_auth_token(
        DBHostname=HOST, Port=5432, DBUsername="backlot_family", Region="us-east-1"
    )
    token = db.iam_auth_token(host=HOST, port=5432, user="backlot_family", region="us-east-1")
    assert token == expected
    query = parse_qs(urlsplit("https://" + token).query)
    assert query["Action"] == ["connect"] and query["DBUser"] == ["backlot_family"]
    assert query["X-Amz-Expires"] == ["900"] and query["X-Amz-Security-Token"]
    assert query["X-Amz-Credential"][0].endswith("/us-east-1/rds-db/aws4_request")


def test_each_new_connection_logs_in_as_the_product_role_with_a_fresh_token(
    iam_env: None, clock: list[dt.datetime], monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[dict[str, Any]] = []

    class Conn:
        closed = broken = False

        def execute(self, *a: Any, **k: Any) -> Any:
            return type("Cursor", (), {"fetchone": lambda self: None})()

    def connect(**kwargs: Any) -> Conn:
        opened.append(kwargs)
        return Conn()

    monkeypatch.setattr(psycopg, "connect", connect)
    db.connect()
    clock.append(clock[-1] + dt.timedelta(minutes=20))  # past the first token's 15 minutes
    db.connect()
    first, second = opened
    assert first["host"] == HOST and first["user"] == "backlot_family" and first["dbname"] == "backlot"
    assert first["password"].startswith(f"{HOST}:5432/?Action=connect&DBUser=backlot_family&")
    assert first["password"] != second["password"], "a token must be made for every new connection"
    assert first["sslmode"] == "verify-full"
    with open(first["sslrootcert"]) as bundle:  # the Amazon Trust Services roots that sign ACM certificates
        assert "Amazon Root CA 1" in bundle.read()
    assert first["prepare_threshold"] is None


def test_a_refused_iam_login_is_not_retried(iam_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[dict[str, Any]] = []

    def connect(**kwargs: Any) -> None:
        attempts.append(kwargs)
        raise psycopg.OperationalError('FATAL: PAM authentication failed for user "backlot_family"')

    monkeypatch.setattr(psycopg, "connect", connect)
    with pytest.raises(psycopg.OperationalError, match="PAM"):
        db.connect()
    assert len(attempts) == 1


def test_the_migration_url_uses_the_master_secret_even_with_iam_settings(
    iam_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The migration function may inherit DB_IAM_AUTH/DB_USER from Globals: it still logs in as the
    master user, which is the one that can create the roles."""
    from aws_lambda_powertools.utilities import parameters

    from backlot import migrate_handler

    monkeypatch.setenv("DB_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:1:secret:master")
    settings.get_settings.cache_clear()
    monkeypatch.setattr(parameters, "get_secret", lambda *a, **k: {"username": "master", "password": "p@ss/w:rd"})
    url = migrate_handler.database_url()
    parts = urlsplit(url)
    assert parts.username == "master" and parts.password == "p%40ss%2Fw%3Ard" and parts.hostname == HOST
    query = parse_qs(parts.query)
    assert query["sslmode"] == ["verify-full"] and query["sslrootcert"][0].endswith("cacert.pem")
    # libpq reads the same URL back (no connection is made)
    assert psycopg.conninfo.conninfo_to_dict(url)["password"] == "p@ss/w:rd"


@pytest.mark.parametrize(
    ("env", "ok"),
    [
        ({"DATABASE_URL": "postgresql://localhost/x"}, True),
        ({"DB_HOST": HOST, "DB_SECRET_ARN": "arn:secret"}, True),
        ({"DB_HOST": HOST, "DB_USER": "backlot_family", "DB_IAM_AUTH": "true", "AWS_REGION": "us-east-1"}, True),
        ({"DB_HOST": HOST, "DB_USER": "backlot_family", "DB_IAM_AUTH": "true"}, False),  # no region to sign
        ({"DB_HOST": HOST, "DB_USER": "backlot_family"}, False),  # IAM auth not switched on, no secret
        ({"DB_HOST": HOST, "DB_IAM_AUTH": "true", "AWS_REGION": "us-east-1"}, False),  # no user
        ({"DB_USER": "backlot_family", "DB_IAM_AUTH": "true", "AWS_REGION": "us-east-1"}, False),  # no host
        ({}, False),
    ],
)
def test_settings_locate_the_database_in_one_of_three_ways(
    env: dict[str, str], ok: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DATABASE_URL", "DB_HOST", "DB_USER", "DB_IAM_AUTH", "DB_SECRET_ARN", "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if ok:
        assert settings.Settings()
    else:
        with pytest.raises(pydantic.ValidationError, match="DB_IAM_AUTH"):
            settings.Settings()


def test_botocore_is_imported_only_when_an_iam_connection_is_opened() -> None:
    """Cold start: importing the database module costs nothing for AWS SDK code, and the IAM path
    never imports boto3 (nor builds an RDS client)."""
    code = (
        "import sys; import backlot.db as db\n"
        "assert not any(m.startswith(('botocore', 'boto3')) for m in sys.modules), 'imported at import time'\n"
        "db.iam_auth_token(host='h', port=5432, user='u', region='us-east-1')\n"
        "assert 'botocore.auth' in sys.modules and 'boto3' not in sys.modules and 'botocore.client' not in sys.modules\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLEEXAMPLE12",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "PYTHONPATH": str(REPO_ROOT / "layers" / "platform" / "python"),
    }
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
