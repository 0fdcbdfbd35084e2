"""End-to-end fixtures: ``backlot dev`` as a real subprocess, talked to over HTTP.

``dev_server`` (session-scoped) starts ``backlot dev --port <free port>`` with its own state folder
(``BACKLOT_STATE_DIR`` in a fresh temporary directory: its own embedded PostgreSQL data and JWT key pair,
so a developer's running dev server is not disturbed), without ``DATABASE_URL``/``AWS_ENDPOINT_URL``
(so it starts embedded PostgreSQL and moto like a fresh clone does), waits for the ready line
(120 s), and stops it with SIGTERM at the end. On a failed start the subprocess output is shown.

``fake_tmdb`` (session-scoped, started before ``dev_server`` and stopped after it) is
``tests/support/fake_tmdb.py`` on loopback, with an empty catalogue and no made-up films (tests add
what they need). ``dev_server`` is given ``--env-vars`` (a JSON file in its state folder, ``sam
local``'s format) pointing two movies functions at it: ``ParseExportFunction`` (it decides whether
a presigned upload's session is enriched) and ``EnrichFilmsFunction``. ``UploadFunction`` (the
direct multipart upload) gets no key, so a direct upload still completes with enrichment skipped.

``fake_openai`` (session-scoped) is ``tests/support/fake_openai.py`` streaming at 20 ms a piece:
only wellness' on-demand ``GenerateFunction`` gets its URL and a key, so an on-demand conversation
is streamed through the real openai client while the nightly schedules stay offline (no key, as
on a fresh clone).

``fake_cognito`` (session-scoped) is ``tests/support/fake_cognito.py``: styles' sign-in functions
(login, callback, logout) get its origin as ``COGNITO_DOMAIN_URL`` and its app client id.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.fake_cognito import FakeCognito
from tests.support.fake_openai import FakeOpenAI
from tests.support.fake_tmdb import FakeTmdb

REPO_ROOT = Path(__file__).resolve().parents[2]
READY = "backlot dev ready on "
START_TIMEOUT_S = 120
#: The functions that talk to the fake TMDB (``Stack/LogicalId``, as ``--env-vars`` accepts).
TMDB_FUNCTIONS = ("MoviesStack/ParseExportFunction", "MoviesStack/EnrichFilmsFunction")
#: The functions that talk to the user pool's OAuth endpoints (the fake Cognito).
COGNITO_FUNCTIONS = ("StylesStack/GoogleLoginFunction", "StylesStack/GoogleCallbackFunction", "StylesStack/LogoutFunction")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class DevServer:
    """A running ``backlot dev``: ``url`` to talk to, ``token()`` for bearer tokens, ``output`` so far."""

    url: str
    state_dir: Path
    env: dict[str, str]
    process: subprocess.Popen
    output: list[str] = field(default_factory=list)

    def token(self, user: str, groups: tuple[str, ...] | list[str] = (), email: str | None = None, ttl: int = 3600) -> str:
        """A bearer JWT for ``user`` that this server accepts (``backlot token``)."""
        command = [sys.executable, "-m", "backlot_local", "token", user, "--ttl", str(ttl)]
        for group in groups:
            command += ["--group", group]
        if email:
            command += ["--email", email]
        done = subprocess.run(command, env=self.env, cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=60)
        return done.stdout.strip()

    def log(self) -> str:
        """Everything the server printed so far."""
        return "".join(self.output)


# wellness webhooks to the tests' local receiver (http on loopback: refused on AWS)
WEBHOOK_FUNCTIONS = ("WellnessStack/CreateWebhookFunction", "WellnessJobsStack/WebhookDeliveryFunction")


def _env_vars_file(state: Path, fake: FakeTmdb, cognito: FakeCognito | None = None, openai_url: str | None = None) -> Path:
    """The ``--env-vars`` file: the fake's origin and key for ``TMDB_FUNCTIONS`` only. The rate is
    raised (the fake does not limit) and retries cut to one, so a film the fake always fails gives
    up in about a second per delivery. Music's votes re-plan the queue at every vote (the walk-through
    checks that the queue follows the votes at once); the one-vote-per-2-s limit stays as deployed."""
    tmdb = {"TMDB_API_KEY": fake.api_key, "TMDB_BASE_URL": fake.url, "TMDB_REQUESTS_PER_SECOND": "1000", "TMDB_RETRIES": "1"}
    path = state / "env-vars.json"
    pool = {"COGNITO_DOMAIN_URL": cognito.url, "USER_POOL_CLIENT_ID": cognito.client_id} if cognito else {}
    path.write_text(json.dumps({function: tmdb for function in TMDB_FUNCTIONS}
                               | {function: pool for function in COGNITO_FUNCTIONS if pool}
                               | {"MusicStack/VoteFunction": {"VOTE_REPLAN_SECONDS": "0"}}
                               | {f: {"WEBHOOK_ALLOW_LOCAL": "true"} for f in WEBHOOK_FUNCTIONS}
                               | ({"GenerateFunction": {"OPENAI_API_KEY": "sk-e2e", "OPENAI_BASE_URL": openai_url}} if openai_url else {})))
    return path


def _start(state: Path, env_vars: Path | None = None) -> DevServer:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "AWS_ENDPOINT_URL")}
    env.update({"BACKLOT_STATE_DIR": str(state), "BACKLOT_ROOT": str(REPO_ROOT), "PYTHONUNBUFFERED": "1"})
    command = [sys.executable, "-m", "backlot_local", "dev", "--port", str(port)]
    if env_vars is not None:
        command += ["--env-vars", str(env_vars)]
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        bufsize=1,
    )
    server = DevServer(url=f"http://127.0.0.1:{port}", state_dir=state, env=env, process=process)
    ready = threading.Event()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            server.output.append(line)
            if line.startswith(READY):
                ready.set()

    threading.Thread(target=pump, name="backlot-dev-output", daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not ready.wait(0.2):
        if process.poll() is not None or time.monotonic() > deadline:
            _stop(process)
            why = f"exited with {process.returncode}" if process.returncode is not None else f"was not ready after {START_TIMEOUT_S} s"
            pytest.fail(f"backlot dev {why}; its output:\n{server.log()}", pytrace=False)
    return server


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def fake_tmdb():
    """The fake TMDB on 127.0.0.1 for the whole session (no made-up films: tests add a catalogue).
    It stops when the session ends, after ``dev_server`` (which depends on it)."""
    with FakeTmdb(synthesize=False) as fake:
        yield fake


@pytest.fixture(scope="session")
def fake_cognito():
    """The fake user pool OAuth endpoints (``tests/support/fake_cognito.py``) for the whole session:
    styles' sign-in functions are pointed at it (token exchange, revocation)."""
    with FakeCognito() as fake:
        yield fake


@pytest.fixture(scope="session")
def fake_openai():
    """The fake OpenAI API (``tests/support/fake_openai.py``) for the whole session, streaming at
    20 ms a piece; wellness' GenerateFunction is pointed at it."""
    fake = FakeOpenAI()
    fake.url = fake.start()
    fake.chunk_delay = 0.02
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def dev_server(fake_tmdb: FakeTmdb, fake_cognito: FakeCognito, fake_openai: FakeOpenAI):
    """``backlot dev`` on a free port with a private state folder, for the whole session, with the
    movies' parse and enrich functions pointed at ``fake_tmdb`` (see the module docstring).

    The state folder is not under pytest's ``tmp_path``: embedded PostgreSQL runs as another user
    when the tests run as root, and every new pytest session makes ``/tmp/pytest-of-<user>`` private
    again (0700), which would lock that user out in the middle of ``initdb``.
    """
    state = Path(tempfile.mkdtemp(prefix="backlot-e2e-state-"))
    try:
        server = _start(state, _env_vars_file(state, fake_tmdb, fake_cognito, fake_openai.url))
    except BaseException:
        shutil.rmtree(state, ignore_errors=True)
        raise
    yield server
    _stop(server.process)
    shutil.rmtree(state, ignore_errors=True)
