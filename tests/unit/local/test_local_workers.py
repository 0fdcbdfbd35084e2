"""The worker pool with small bounds: one bound across all functions, least recently used eviction,
idle workers stopped, waiting (never failing) when every worker is busy, workers that die with
their parent. Real worker subprocesses run ``localtest_handlers.nap``."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest

from backlot_local.template import Function
from backlot_local.workers import PoolStopped, WorkerPool

REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture()
def nap_function(test_app) -> Function:
    return dataclasses.replace(test_app.function("ShopStack/GetItemFunction"), handler="localtest_handlers.nap", timeout=30)


def variants(function: Function, count: int) -> list[Function]:
    """``count`` functions with the same code and distinct environments (so distinct workers)."""
    return [dataclasses.replace(function, logical_id=f"Nap{i}Function", environment={**function.environment, "VARIANT": str(i)}) for i in range(count)]


def worker_pids() -> set[int]:
    """This process's live worker subprocesses."""
    pids = set()
    for child in psutil.Process().children():
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "backlot_local.worker" in " ".join(child.cmdline()):
                pids.add(child.pid)
        except psutil.NoSuchProcess:
            pass
    return pids


def gone(pid: int, within_s: float = 5) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


@pytest.fixture()
def make_pool():
    pools: list[WorkerPool] = []
    lines: list[str] = []

    def make(**kwargs) -> WorkerPool:
        pool = WorkerPool({}, log=lines.append, **kwargs)
        pool.lines = lines  # type: ignore[attr-defined]
        pools.append(pool)
        return pool

    yield make
    for pool in pools:
        pool.stop()


def test_the_bound_holds_across_functions_under_concurrency(nap_function, make_pool) -> None:
    pool = make_pool(max_workers=3, max_per_spec=2)
    functions = variants(nap_function, 6)
    seen: list[int] = []
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.is_set():
            seen.append(len(worker_pids()))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    with ThreadPoolExecutor(12) as threads:
        results = list(threads.map(lambda i: pool.invoke(functions[i % 6], {"sleep": 0.1}), range(36)))
    sampling.set()
    sampler.join()
    assert all(r.ok for r in results), [r.error for r in results if not r.ok]
    stats = pool.stats()
    assert stats.peak == 3 and max(seen) <= 3 and stats.live <= 3
    assert stats.evicted > 0  # six functions through three slots


def test_least_recently_used_idle_worker_is_evicted(nap_function, make_pool) -> None:
    pool = make_pool(max_workers=2)
    a, b, c = variants(nap_function, 3)
    pid_a = pool.invoke(a, {}).result["pid"]
    pid_b = pool.invoke(b, {}).result["pid"]
    assert pool.invoke(a, {}).result["pid"] == pid_a  # a is now the most recently used
    pid_c = pool.invoke(c, {}).result["pid"]
    assert gone(pid_b) and not gone(pid_a, 0.2)
    assert pool.invoke(a, {}).result["pid"] == pid_a  # still warm
    assert worker_pids() == {pid_a, pid_c}
    assert any("least recently used" in line and str(pid_b) in line for line in pool.lines)
    new_b = pool.invoke(b, {})
    assert new_b.ok and new_b.cold_start and new_b.result["pid"] != pid_b


def test_idle_workers_are_stopped(nap_function, make_pool) -> None:
    pool = make_pool(max_workers=4, idle_timeout_s=0.3)
    first = pool.invoke(nap_function, {}).result["pid"]
    assert gone(first, 5)
    assert pool.stats().reaped == 1 and pool.stats().live == 0
    again = pool.invoke(nap_function, {})
    assert again.ok and again.cold_start and again.result["pid"] != first


def test_a_request_waits_when_every_worker_is_busy(nap_function, make_pool) -> None:
    pool = make_pool(max_workers=1)
    a, b = variants(nap_function, 2)
    with ThreadPoolExecutor(2) as threads:
        slow = threads.submit(pool.invoke, a, {"sleep": 0.6})
        time.sleep(0.2)  # a holds the only worker
        quick = threads.submit(pool.invoke, b, {})
        assert slow.result().ok and quick.result().ok
    assert pool.stats().peak == 1
    assert any("waits: all 1 execution environments are busy" in line for line in pool.lines)


def test_stop_ends_busy_workers_too(nap_function, make_pool) -> None:
    pool = make_pool(max_workers=2)
    with ThreadPoolExecutor(1) as threads:
        busy = threads.submit(pool.invoke, nap_function, {"sleep": 30})
        deadline = time.monotonic() + 10
        while not worker_pids() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        pool.stop()
        result = busy.result(10)
    assert not result.ok and result.error["errorType"] == "Runtime.ExitError"
    assert not worker_pids()
    with pytest.raises(PoolStopped):
        pool.invoke(nap_function, {})


def test_bad_settings_are_refused() -> None:
    for kwargs in ({"max_workers": 0}, {"max_per_spec": 0}, {"idle_timeout_s": 0}):
        with pytest.raises(ValueError):
            WorkerPool({}, **kwargs)


CHILD = """
import json, sys, time
from backlot_local.template import load_application
from backlot_local.workers import WorkerPool
import dataclasses
app = load_application(__import__("pathlib").Path(sys.argv[1]), aws_endpoint="http://127.0.0.1:5999")
function = dataclasses.replace(app.function("ShopStack/GetItemFunction"), handler="localtest_handlers.nap", timeout=60)
pool = WorkerPool({}, log=lambda line: None)
done = []
# one worker busy in a long invocation; one idle, started from a thread that has ended (a worker
# must outlive the thread that asked for it: PR_SET_PDEATHSIG follows the starting thread)
import threading
threading.Thread(target=lambda: pool.invoke(function, {"sleep": 60}), daemon=True).start()
pids = []
asker = threading.Thread(target=lambda: pids.append(pool.invoke(dataclasses.replace(function, environment={"OTHER": "1"}), {}).result["pid"]))
asker.start()
asker.join()
time.sleep(0.5)
print(pids[0], flush=True)
time.sleep(120)
"""


def test_workers_die_when_their_parent_is_killed() -> None:
    fixtures = Path(__file__).resolve().parent / "fixtures"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT / "infra" / "local"), str(REPO_ROOT)])}
    parent = subprocess.Popen([sys.executable, "-c", CHILD, str(fixtures)], stdout=subprocess.PIPE, text=True, env=env)
    try:
        idle_pid = int(parent.stdout.readline())
        deadline = time.monotonic() + 10
        children: list[psutil.Process] = []
        while len(children) < 2 and time.monotonic() < deadline:
            children = psutil.Process(parent.pid).children()
            time.sleep(0.05)
        assert idle_pid in {c.pid for c in children} and len(children) == 2
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        assert all(gone(c.pid, 5) for c in children), [c.pid for c in children if c.is_running()]
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
