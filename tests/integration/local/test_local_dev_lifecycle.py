"""``backlot dev`` starting and stopping as a whole: a port in use stops it before anything starts;
Ctrl-C stops everything it started; SIGKILL leaves no PostgreSQL or worker behind (the watchdog
stops PostgreSQL, and when the watchdog is gone too, the next start does and says so).

The seconds Ctrl-C takes are measured by ``tests/bench/bench_localdev.py`` (no timing asserts here)."""

from __future__ import annotations

import signal
import socket
import threading
import time

import httpx
import psutil
import pytest

from .lifecycle import cleanup, new_state, postgres_of, start_dev, wait_until_gone

pytestmark = pytest.mark.integration


@pytest.fixture()
def state():
    folder = new_state()
    yield folder
    cleanup(folder)


def test_a_port_in_use_stops_the_run_before_anything_starts(state) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        dev = start_dev(state, port=port, wait=False)
        assert dev.process.wait(30) == 2
    out = dev.log()
    assert f"port {port} on 127.0.0.1 is already in use" in out and f"--port {port + 1}" in out and "make dev PORT=" in out
    assert not (state / "pgdata").exists() and "[db]" not in out and "[aws]" not in out


def test_ctrl_c_stops_everything_it_started(state) -> None:
    dev = start_dev(state)
    try:
        assert httpx.get(f"{dev.url}/shop/health", timeout=60).status_code == 200
        # a slow request keeps a second worker busy at Ctrl-C
        threading.Thread(target=lambda: httpx.get(f"{dev.url}/shop/slow", timeout=60), daemon=True).start()
        time.sleep(1.5)
        started = dev.descendants() + postgres_of(state)
        assert sum("backlot_local.worker" in " ".join(p.cmdline()) for p in started) == 2 and postgres_of(state)
        dev.interrupt()
        assert wait_until_gone(started, 10) == []
        assert "[backlot] stopped in" in dev.log()
    finally:
        dev.kill()


def test_sigkill_leaves_nothing_running(state) -> None:
    dev = start_dev(state)
    try:
        assert httpx.get(f"{dev.url}/shop/health", timeout=60).status_code == 200
        started = dev.descendants() + postgres_of(state)
        assert postgres_of(state) and any("backlot_local.worker" in " ".join(p.cmdline()) for p in started)
        dev.process.send_signal(signal.SIGKILL)
        dev.process.wait(10)
        assert wait_until_gone(started, 15) == [], [p.cmdline() for p in started if p.is_running()]
        assert "stopped its PostgreSQL" in (state / "watchdog.log").read_text()
    finally:
        dev.kill()


def test_next_start_stops_a_server_left_running(state) -> None:
    dev = start_dev(state)
    try:
        watchdog = [p for p in dev.descendants() if "backlot_local.watchdog" in " ".join(p.cmdline())]
        assert len(watchdog) == 1
        watchdog[0].kill()  # the watchdog dies too (e.g. the machine's OOM killer took both)
        assert wait_until_gone(watchdog, 5) == []
        dev.process.send_signal(signal.SIGKILL)
        dev.process.wait(10)
        left = postgres_of(state)
        assert left, "PostgreSQL should still run: nobody stopped it"
        stale_pid = min(p.pid for p in left)
    finally:
        dev.kill()
    again = start_dev(state)
    try:
        assert f"[db] stopped PostgreSQL pid {stale_pid} that a killed backlot left running" in again.log()
        assert psutil.pid_exists(stale_pid) is False or psutil.Process(stale_pid).status() == psutil.STATUS_ZOMBIE
        assert httpx.get(f"{again.url}/shop/health", timeout=60).status_code == 200
        again.interrupt()
        assert postgres_of(state) == []
    finally:
        again.kill()
