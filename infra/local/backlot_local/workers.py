"""Warm worker subprocesses that run functions the way Lambda runs them.

Each distinct (code folder, handler, environment) gets its own worker processes
(:mod:`backlot_local.worker`), started on first use and kept warm. A worker runs one invocation at
a time, like one execution environment; when all of a function's workers are busy the pool starts
another, up to ``max_per_spec`` (Lambda's scaling, bounded), then waits for one to free up.

Timeouts follow Lambda: the invocation fails with ``Task timed out after N.NN seconds`` and the
environment is thrown away (the worker is killed). A worker that dies mid-invocation reports
``Runtime.ExitError``.
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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from backlot_local import REGION
from backlot_local.template import Function
from backlot_local.worker import recv_frame, send_frame


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
        config = json.dumps({"handler": spec.handler, "sys_path": list(spec.sys_path)})
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

    def stop(self) -> None:
        """Close the socket and end the process (terminate, then kill after 3 s)."""
        try:
            self.sock.close()
        except OSError:
            pass
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(3)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


class WorkerPool:
    """Worker subprocesses per :class:`WorkerSpec`, started lazily and kept warm.

    Args:
        overrides: local environment variables added to every function's environment.
        max_per_spec: most execution environments per spec at once.
        log: where one-line notices go (worker starts).
    """

    def __init__(self, overrides: dict[str, str], *, max_per_spec: int = 4, log: Callable[[str], None] = print):
        self.overrides = dict(overrides)
        self.max_per_spec = max_per_spec
        self.log = log
        self._idle: dict[WorkerSpec, list[Worker]] = {}
        self._count: dict[WorkerSpec, int] = {}
        self._cond = threading.Condition()
        self._closed = False

    def spec_for(self, function: Function) -> WorkerSpec:
        """The spec of ``function`` (its handler, paths and full environment)."""
        env = lambda_environment(function, self.overrides)
        return WorkerSpec(function.handler, tuple(function_paths(function)), tuple(sorted(env.items())))

    def _acquire(self, spec: WorkerSpec, function: Function) -> Worker:
        with self._cond:
            while True:
                if self._closed:
                    raise RuntimeError("the worker pool is stopped")
                idle = self._idle.setdefault(spec, [])
                while idle:
                    worker = idle.pop()
                    if worker.alive:
                        return worker
                    self._count[spec] -= 1
                if self._count.get(spec, 0) < self.max_per_spec:
                    self._count[spec] = self._count.get(spec, 0) + 1
                    break
                self._cond.wait()
        try:
            worker = Worker(spec, cwd=str(function.code_dir))
        except Exception:
            with self._cond:
                self._count[spec] -= 1
                self._cond.notify_all()
            raise
        self.log(f"[lambda] started execution environment pid={worker.process.pid} for {spec.handler} ({function.id})")
        return worker

    def _release(self, spec: WorkerSpec, worker: Worker) -> None:
        with self._cond:
            if worker.alive and not self._closed:
                self._idle.setdefault(spec, []).append(worker)
            else:
                self._count[spec] -= 1
                worker.stop()
            self._cond.notify_all()

    def invoke(self, function: Function, event: Any, *, timeout_s: float | None = None, request_id: str | None = None) -> InvokeResult:
        """Invoke ``function`` with ``event`` in one of its warm workers (starting one if needed).

        Args:
            timeout_s: seconds before the invocation is abandoned (default: the function's ``Timeout``).
        """
        timeout_s = function.timeout if timeout_s is None else timeout_s
        spec = self.spec_for(function)
        worker = self._acquire(spec, function)
        try:
            return worker.invoke(event, context_info(function, request_id, timeout_s), timeout_s)
        finally:
            self._release(spec, worker)

    def stop(self) -> None:
        """Stop every worker (idle ones now; busy ones when their invocation returns)."""
        with self._cond:
            self._closed = True
            workers = [w for idle in self._idle.values() for w in idle]
            self._idle.clear()
            self._cond.notify_all()
        for worker in workers:
            worker.stop()
