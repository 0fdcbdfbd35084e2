"""Warm worker subprocesses that run functions the way Lambda runs them.

Each distinct (code folder, handler, environment) gets its own worker processes
(:mod:`backlot_local.worker`), started on first use and kept warm. A worker runs one invocation at
a time, like one execution environment; when all of a function's workers are busy the pool starts
another, up to ``max_per_spec`` (Lambda's scaling, bounded), then waits for one to free up.

One bound holds across all functions: at most ``max_workers`` workers live at once (180 functions
with a few warm environments each would not fit a laptop). When a new worker is needed at the
bound, the least recently used idle worker is stopped first; when every worker is busy the request
waits until one is released (each invocation is bounded by its function's ``Timeout``, so the wait
is too) and never fails for want of a worker. Workers idle for ``idle_timeout_s`` are stopped, as
Lambda reclaims idle execution environments (Lambda Developer Guide, "Understanding the Lambda
execution environment lifecycle", Shutdown phase; docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html).

Timeouts follow Lambda: the invocation fails with ``Task timed out after N.NN seconds`` and the
environment is thrown away (the worker is killed). A worker that dies mid-invocation reports
``Runtime.ExitError``. Workers die with ``backlot dev`` even when it is killed with SIGKILL
(:mod:`backlot_local.worker` asks Linux for ``PR_SET_PDEATHSIG``); they are started from one
long-lived thread because that signal follows the thread that started the process.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from backlot_local import REGION
from backlot_local.worker import recv_frame, send_frame

if TYPE_CHECKING:
    from backlot_local.template import Function


@dataclass(frozen=True)
class WorkerSpec:
    """What makes two functions share execution environments: same handler, paths and environment."""

    handler: str
    sys_path: tuple[str, ...]
    environment: tuple[tuple[str, str], ...]


@dataclass
class InvokeResult:
    """The outcome of one invocation: ``result`` (decoded JSON) when ``ok``, else the Lambda ``error``."""

    ok: bool
    result: Any = None
    error: dict[str, Any] | None = None
    duration_ms: float = 0.0
    cold_start: bool = False
    timed_out: bool = False


def lambda_environment(function: Function, overrides: dict[str, str]) -> dict[str, str]:
    """The environment a function runs with: Lambda's reserved variables, then the template's
    ``Environment.Variables``, then the local ``overrides`` (database URL, emulator endpoint, ...)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "TMPDIR": os.environ.get("TMPDIR", "/tmp"),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "PYTHONUNBUFFERED": "1",
        "LAMBDA_TASK_ROOT": str(function.code_dir),
        "_HANDLER": function.handler,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.runtime}",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
    }
    env.update(function.environment)
    env.update(overrides)
    return env


def function_paths(function: Function) -> list[str]:
    """``sys.path`` head for a function: its code folder, then its layers' ``python`` folders."""
    return [str(function.code_dir), *[str(d) for d in function.layer_dirs]]


def context_info(function: Function, request_id: str | None = None, timeout_s: float | None = None) -> dict[str, Any]:
    """What the worker needs to build the ``context`` object of one invocation."""
    timeout_s = function.timeout if timeout_s is None else timeout_s
    return {
        "function_name": function.name,
        "function_version": "$LATEST",
        "invoked_function_arn": function.arn,
        "memory_limit_in_mb": str(function.memory_size),
        "aws_request_id": request_id or str(uuid.uuid4()),
        "log_group_name": f"/aws/lambda/{function.name}",
        "log_stream_name": time.strftime("%Y/%m/%d", time.gmtime()) + "/[$LATEST]" + uuid.uuid4().hex,
        "deadline_ms": int(time.time() * 1000 + timeout_s * 1000),
    }


class Worker:
    """One worker subprocess (one execution environment)."""

    def __init__(self, spec: WorkerSpec, cwd: str):
        self.spec = spec
        parent, child = socket.socketpair()
        config = json.dumps({"handler": spec.handler, "sys_path": list(spec.sys_path), "parent_pid": os.getpid()})
        self.process = subprocess.Popen(
            [sys.executable, "-m", "backlot_local.worker", str(child.fileno()), config],
            env=dict(spec.environment),
            cwd=cwd,
            pass_fds=[child.fileno()],
            stdin=subprocess.DEVNULL,
        )
        child.close()
        self.sock = parent
        self.invocations = 0
        self.last_used = time.monotonic()

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def invoke(self, event: Any, info: dict[str, Any], timeout_s: float) -> InvokeResult:
        """Run one invocation; on timeout or death the worker is stopped and the result says so."""
        started = time.perf_counter()
        cold = self.invocations == 0
        self.invocations += 1
        try:
            self.sock.settimeout(timeout_s)
            send_frame(self.sock, {"event": event, "context": info})
            frame = recv_frame(self.sock)
        except TimeoutError:
            self.stop()
            message = f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {info['aws_request_id']} Task timed out after {timeout_s:.2f} seconds"
            error = {"errorType": "Sandbox.Timedout", "errorMessage": message}
            return InvokeResult(False, error=error, duration_ms=_ms(started), cold_start=cold, timed_out=True)
        except OSError as exc:
            frame = None
            sys.stderr.write(f"[backlot] worker socket error: {exc}\n")
        if frame is None:
            self.stop()
            code = self.process.poll()
            message = f"RequestId: {info['aws_request_id']} Error: Runtime exited with error: exit status {code}"
            return InvokeResult(False, error={"errorType": "Runtime.ExitError", "errorMessage": message}, duration_ms=_ms(started), cold_start=cold)
        if frame.get("ok"):
            return InvokeResult(True, result=json.loads(frame["result"]), duration_ms=_ms(started), cold_start=cold)
        return InvokeResult(False, error=frame.get("error"), duration_ms=_ms(started), cold_start=cold)

    def stop(self, grace_s: float = 3) -> None:
        """Close the socket and end the process (terminate, then kill after ``grace_s`` seconds)."""
        stop_workers([self], grace_s)


def stop_workers(workers: list[Worker], grace_s: float = 3) -> None:
    """End several workers at once: close their sockets (an idle worker exits on EOF), send SIGTERM
    to all, wait up to ``grace_s`` seconds in total, then SIGKILL what is left."""
    for worker in workers:
        try:
            worker.sock.close()
        except OSError:
            pass
        if worker.process.poll() is None:
            try:
                worker.process.terminate()
            except OSError:
                pass
    deadline = time.monotonic() + grace_s
    for worker in workers:
        try:
            worker.process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait()


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


DEFAULT_MAX_WORKERS = 16
"""Default bound on live workers across all functions (``--max-workers``, ``BACKLOT_MAX_WORKERS``)."""
DEFAULT_IDLE_TIMEOUT_S = 300.0
"""Default seconds before an idle worker is stopped (``--idle-timeout``, ``BACKLOT_WORKER_IDLE_S``)."""


class PoolStopped(RuntimeError):
    """The pool was stopped while an invocation waited for a worker."""


@dataclass(frozen=True)
class PoolStats:
    """A snapshot of the pool: ``live`` workers (``busy`` + ``idle`` + starting), the ``peak`` of
    ``live`` since start, and how many workers were ``evicted`` (bound) or ``reaped`` (idle)."""

    live: int
    busy: int
    idle: int
    peak: int
    evicted: int
    reaped: int
    max_workers: int


class WorkerPool:
    """Worker subprocesses per :class:`WorkerSpec`, started lazily, kept warm, bounded overall.

    Args:
        overrides: local environment variables added to every function's environment.
        max_workers: most live workers across all specs (>= 1); the least recently used idle worker
            is stopped to make room, and when all are busy an invocation waits for one.
        max_per_spec: most execution environments per spec at once.
        idle_timeout_s: an idle worker is stopped after this many seconds without an invocation.
        log: where one-line notices go (worker starts, evictions, idle stops).

    Raises:
        ValueError: ``max_workers``/``max_per_spec`` below 1 or ``idle_timeout_s`` not positive.
    """

    def __init__(
        self,
        overrides: dict[str, str],
        *,
        max_workers: int = DEFAULT_MAX_WORKERS,
        max_per_spec: int = 4,
        idle_timeout_s: float = DEFAULT_IDLE_TIMEOUT_S,
        log: Callable[[str], None] = print,
    ):
        if max_workers < 1 or max_per_spec < 1 or idle_timeout_s <= 0:
            raise ValueError("max_workers and max_per_spec must be >= 1 and idle_timeout_s > 0")
        self.overrides = dict(overrides)
        self.max_workers, self.max_per_spec, self.idle_timeout_s = max_workers, max_per_spec, idle_timeout_s
        self.log = log
        self._idle: OrderedDict[Worker, None] = OrderedDict()  # least recently used first
        self._live: set[Worker] = set()  # started workers, idle or busy
        self._per_spec: dict[WorkerSpec, int] = {}  # live + starting, per spec
        self._total = 0  # live + starting
        self._peak = self._evicted = self._reaped = 0
        self._cond = threading.Condition()
        self._closed = False
        # PR_SET_PDEATHSIG fires when the *thread* that started a worker ends, so one long-lived
        # thread starts them all (gateway, poller and schedule threads come and go).
        self._spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lambda-spawner")
        self._stopping = threading.Event()
        self._reaper = threading.Thread(target=self._reap_idle, name="lambda-reaper", daemon=True)
        self._reaper.start()

    def spec_for(self, function: Function) -> WorkerSpec:
        """The spec of ``function`` (its handler, paths and full environment)."""
        env = lambda_environment(function, self.overrides)
        return WorkerSpec(function.handler, tuple(function_paths(function)), tuple(sorted(env.items())))

    def stats(self) -> PoolStats:
        """The pool's counts now."""
        with self._cond:
            idle = len(self._idle)
            return PoolStats(self._total, len(self._live) - idle, idle, self._peak, self._evicted, self._reaped, self.max_workers)

    def _forget(self, worker: Worker) -> None:
        """Drop ``worker`` from the books (caller holds the lock and stops it afterwards)."""
        self._idle.pop(worker, None)
        if worker in self._live:
            self._live.discard(worker)
            self._per_spec[worker.spec] -= 1
            self._total -= 1

    def _take_idle(self, spec: WorkerSpec) -> Worker | None:
        """The most recently used idle worker of ``spec`` (lock held); dead ones are dropped."""
        for worker in reversed(self._idle):
            if worker.spec != spec:
                continue
            if worker.alive:
                del self._idle[worker]
                return worker
            self._forget(worker)
            return self._take_idle(spec)
        return None

    def _acquire(self, spec: WorkerSpec, function: Function) -> Worker:
        evicted: Worker | None = None
        waiting_since: float | None = None
        with self._cond:
            while True:
                if self._closed:
                    raise PoolStopped("the worker pool is stopped")
                worker = self._take_idle(spec)
                if worker is not None:
                    return worker
                if self._per_spec.get(spec, 0) < self.max_per_spec:
                    if self._total < self.max_workers:
                        break
                    if self._idle:
                        evicted = next(iter(self._idle))  # least recently used
                        self._forget(evicted)
                        self._evicted += 1
                        break
                if waiting_since is None:
                    waiting_since = time.monotonic()
                    busy = "all " + str(self._total) if self._total >= self.max_workers else f"{self.max_per_spec} of {function.id}'s"
                    self.log(f"[lambda] {function.id} waits: {busy} execution environments are busy (bound {self.max_workers})")
                self._cond.wait()
            self._per_spec[spec] = self._per_spec.get(spec, 0) + 1
            self._total += 1
            self._peak = max(self._peak, self._total)
        try:
            if evicted is not None:
                evicted.stop()  # before the new one starts, so the bound holds for processes too
                self.log(f"[lambda] stopped least recently used execution environment pid={evicted.process.pid} ({evicted.spec.handler}) to make room (bound {self.max_workers})")
            worker = self._spawner.submit(Worker, spec, str(function.code_dir)).result()
        except BaseException:
            with self._cond:
                self._per_spec[spec] -= 1
                self._total -= 1
                self._cond.notify_all()
            raise
        with self._cond:
            if self._closed:
                self._per_spec[spec] -= 1
                self._total -= 1
                closed = True
            else:
                self._live.add(worker)
                closed = False
        if closed:
            worker.stop()
            raise PoolStopped("the worker pool is stopped")
        waited = f" after waiting {time.monotonic() - waiting_since:.1f} s" if waiting_since is not None else ""
        self.log(f"[lambda] started execution environment pid={worker.process.pid} for {spec.handler} ({function.id}){waited}")
        return worker

    def _release(self, spec: WorkerSpec, worker: Worker) -> None:
        with self._cond:
            worker.last_used = time.monotonic()
            keep = worker.alive and not self._closed and worker in self._live
            if keep:
                self._idle[worker] = None
            else:
                self._forget(worker)
            self._cond.notify_all()
        if not keep:
            worker.stop()

    def _reap_idle(self) -> None:
        """Stop workers idle for ``idle_timeout_s`` (checked a few times per timeout)."""
        interval = max(0.05, min(self.idle_timeout_s / 4, 10.0))
        while not self._stopping.wait(interval):
            now = time.monotonic()
            with self._cond:
                expired = [w for w in self._idle if now - w.last_used >= self.idle_timeout_s]
                for worker in expired:
                    self._forget(worker)
                self._reaped += len(expired)
                if expired:
                    self._cond.notify_all()
            if expired:
                stop_workers(expired)
                for worker in expired:
                    self.log(f"[lambda] stopped execution environment pid={worker.process.pid} ({worker.spec.handler}): idle for {self.idle_timeout_s:g} s")

    def invoke(self, function: Function, event: Any, *, timeout_s: float | None = None, request_id: str | None = None) -> InvokeResult:
        """Invoke ``function`` with ``event`` in one of its warm workers (starting one if needed).

        Waits while the bound is reached and every worker is busy.

        Args:
            timeout_s: seconds before the invocation is abandoned (default: the function's ``Timeout``).

        Raises:
            PoolStopped: the pool was stopped before a worker was free.
        """
        timeout_s = function.timeout if timeout_s is None else timeout_s
        spec = self.spec_for(function)
        worker = self._acquire(spec, function)
        try:
            return worker.invoke(event, context_info(function, request_id, timeout_s), timeout_s)
        finally:
            self._release(spec, worker)

    def stop(self, grace_s: float = 2) -> None:
        """Stop every worker, idle or busy (a busy one's invocation ends with ``Runtime.ExitError``),
        all at once: SIGTERM, then SIGKILL after ``grace_s`` seconds."""
        with self._cond:
            self._closed = True
            workers = list(self._live)
            for worker in workers:
                self._forget(worker)
            self._cond.notify_all()
        self._stopping.set()
        stop_workers(workers, grace_s)
        self._spawner.shutdown(wait=False, cancel_futures=True)
