"""Run ``backlot dev`` as a real subprocess (its own session, so a signal to its process group is a
terminal's Ctrl-C) and look at the processes it leaves: used by the lifecycle tests and
``tests/bench/bench_localdev.py``."""

from __future__ import annotations

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

import psutil

REPO_ROOT = Path(__file__).resolve().parents[3]
UNIT_FIXTURES = REPO_ROOT / "tests" / "unit" / "local" / "fixtures"
READY = "backlot dev ready on "


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def new_state() -> Path:
    """A fresh state folder outside pytest's tmp_path (PostgreSQL runs as another user under root)."""
    return Path(tempfile.mkdtemp(prefix="backlot-lifecycle-"))


@dataclass
class Dev:
    """A ``backlot dev`` subprocess and what it printed."""

    process: subprocess.Popen
    state: Path
    port: int
    output: list[str] = field(default_factory=list)
    ready: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return "".join(self.output)

    def wait_ready(self, timeout_s: float = 120) -> None:
        deadline = time.monotonic() + timeout_s
        while not self.ready.wait(0.1):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"backlot dev did not get ready (exit {self.process.poll()}):\n{self.log()}")

    def descendants(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def interrupt(self, timeout_s: float = 60) -> float:
        """Ctrl-C (SIGINT to the process group); returns seconds until the process exited."""
        started = time.monotonic()
        os.killpg(self.process.pid, signal.SIGINT)
        self.process.wait(timeout_s)
        return time.monotonic() - started

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def start_dev(state: Path, *args: str, root: Path = UNIT_FIXTURES, port: int | None = None, env: dict[str, str] | None = None, wait: bool = True) -> Dev:
    """Start ``backlot dev --port <port> <args>`` on ``root``'s templates with state in ``state``."""
    port = free_port() if port is None else port
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "AWS_ENDPOINT_URL")}
    environment.update({"BACKLOT_STATE_DIR": str(state), "BACKLOT_ROOT": str(root), "PYTHONUNBUFFERED": "1", **(env or {})})
    process = subprocess.Popen(
        [sys.executable, "-m", "backlot_local", "dev", "--port", str(port), *args],
        cwd=REPO_ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        text=True, bufsize=1, start_new_session=True,
    )
    dev = Dev(process, state, port)

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            dev.output.append(line)
            if line.startswith(READY):
                dev.ready.set()

    threading.Thread(target=pump, daemon=True).start()
    if wait:
        dev.wait_ready()
    return dev


def postgres_of(state: Path) -> list[psutil.Process]:
    """Live PostgreSQL server processes whose data folder is in ``state``."""
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        try:
            if process.info["name"] == "postgres" and str(state) in " ".join(process.info["cmdline"] or []) and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
        except psutil.NoSuchProcess:
            pass
    return found


def alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    """Those of ``processes`` still running (zombies count as gone)."""
    left = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                left.append(process)
        except psutil.NoSuchProcess:
            pass
    return left


def wait_until_gone(processes: list[psutil.Process], timeout_s: float = 15) -> list[psutil.Process]:
    """Wait until none of ``processes`` runs; returns those still running after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while alive(processes) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive(processes)


def cleanup(state: Path) -> None:
    """Stop any PostgreSQL left on ``state`` (a failed test) and remove the folder."""
    for process in postgres_of(state):
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass
    shutil.rmtree(state, ignore_errors=True)
