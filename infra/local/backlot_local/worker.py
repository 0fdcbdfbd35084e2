"""One Lambda-like execution environment.

Run as ``python -m backlot_local.worker <fd> <config json>`` by :mod:`backlot_local.workers`: the
process talks to its parent over the socket ``fd`` (frames of a 4-byte big-endian length and JSON),
one invocation at a time, and stays warm between invocations, like one Lambda execution environment.
Its environment variables are the function's (set by the parent); its working directory and first
``sys.path`` entry are the function's ``CodeUri`` folder (``/var/task`` on Lambda), followed by its
layers' ``python`` folders (``/opt/python``). The handler module is imported on the first invocation
(Lambda's init phase). The function's own output goes to this process's stdout/stderr.

:func:`invoke_in_process` does the same inside the calling process (``backlot invoke``).

Only the standard library is imported here, so a cold start costs what the function's own imports cost.
Errors are reported in the Lambda runtime's shape (``errorType``, ``errorMessage``, ``stackTrace``),
with the runtime's error types for init failures (``Runtime.ImportModuleError``,
``Runtime.HandlerNotFound``, ``Runtime.UserCodeSyntaxError``) and unserialisable results
(``Runtime.MarshalError``), and logged to stderr the way the Python runtime logs them.
"""

from __future__ import annotations

import contextlib
import decimal
import importlib
import json
import os
import signal
import socket
import struct
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from typing import Any


class LambdaContext:
    """The ``context`` argument, with the attributes of the Python runtime's ``LambdaContext``.

    ``memory_limit_in_mb`` is a string, as in the real runtime (it reads an environment variable).
    """

    def __init__(self, info: dict[str, Any]):
        self.function_name: str = info["function_name"]
        self.function_version: str = info.get("function_version", "$LATEST")
        self.invoked_function_arn: str = info["invoked_function_arn"]
        self.memory_limit_in_mb: str = str(info["memory_limit_in_mb"])
        self.aws_request_id: str = info["aws_request_id"]
        self.log_group_name: str = info.get("log_group_name", f"/aws/lambda/{self.function_name}")
        self.log_stream_name: str = info.get("log_stream_name", "local")
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline_ms: int = int(info["deadline_ms"])

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function's ``Timeout``."""
        return max(0, int(self._deadline_ms - time.time() * 1000))

    def __repr__(self) -> str:
        return f"LambdaContext(function_name={self.function_name!r}, aws_request_id={self.aws_request_id!r})"


class InitError(Exception):
    """The handler could not be loaded; ``error_type`` is the Lambda runtime's name for it."""

    def __init__(self, error_type: str, message: str):
        super().__init__(message)
        self.error_type = error_type


_handlers: dict[str, Callable[[Any, Any], Any]] = {}


def load_handler(spec: str) -> Callable[[Any, Any], Any]:
    """Import ``module.path.function`` once and return the function.

    Raises:
        InitError: the module does not import, has a syntax error, or lacks the function.
    """
    if spec in _handlers:
        return _handlers[spec]
    module_name, _, attribute = spec.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except SyntaxError as exc:
        raise InitError("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {exc}") from exc
    except ImportError as exc:
        raise InitError("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}") from exc
    handler = getattr(module, attribute, None)
    if not callable(handler):
        raise InitError("Runtime.HandlerNotFound", f"Handler '{attribute}' missing on module '{module_name}'")
    _handlers[spec] = handler
    return handler


def _json_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _error(exc: BaseException, error_type: str | None = None) -> dict[str, Any]:
    stack = traceback.format_list(traceback.extract_tb(exc.__traceback__))
    return {"errorType": error_type or type(exc).__name__, "errorMessage": str(exc), "stackTrace": stack}


def _log_error(error: dict[str, Any], request_id: str) -> None:
    lines = [f"[ERROR] {error['errorType']}: {error['errorMessage']}"]
    if error.get("stackTrace"):
        lines.append("Traceback (most recent call last):")
        lines += [line.rstrip("\n") for line in error["stackTrace"]]
    sys.stderr.write("\n".join(lines) + f"\nRequestId: {request_id}\n")
    sys.stderr.flush()


def _lambda_variables(info: dict[str, Any]) -> dict[str, str]:
    return {
        "AWS_LAMBDA_FUNCTION_NAME": info["function_name"],
        "AWS_LAMBDA_FUNCTION_VERSION": info.get("function_version", "$LATEST"),
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(info["memory_limit_in_mb"]),
        "AWS_LAMBDA_LOG_GROUP_NAME": info.get("log_group_name", f"/aws/lambda/{info['function_name']}"),
        "AWS_LAMBDA_LOG_STREAM_NAME": info.get("log_stream_name", "local"),
    }


def run_invocation(handler_spec: str, event: Any, info: dict[str, Any]) -> dict[str, Any]:
    """Call the handler once; return ``{"ok": True, "result": <JSON text>}`` or ``{"ok": False, "error": {...}}``.

    The result is returned as JSON text, serialised as the runtime does (``Decimal`` as a number).
    """
    os.environ.update(_lambda_variables(info))
    try:
        handler = load_handler(handler_spec)
    except InitError as exc:
        error = _error(exc, exc.error_type)
        _log_error(error, info["aws_request_id"])
        return {"ok": False, "error": error}
    try:
        result = handler(event, LambdaContext(info))
    except Exception as exc:  # noqa: BLE001 - a function error, reported like Lambda does
        error = _error(exc)
        _log_error(error, info["aws_request_id"])
        return {"ok": False, "error": error}
    try:
        return {"ok": True, "result": json.dumps(result, default=_json_default)}
    except (TypeError, ValueError) as exc:
        error = {"errorType": "Runtime.MarshalError", "errorMessage": f"Unable to marshal response: {exc}", "stackTrace": []}
        _log_error(error, info["aws_request_id"])
        return {"ok": False, "error": error}


def prepare_sys_path(paths: list[str]) -> None:
    """Put the code folder and layer folders first on ``sys.path`` (and drop the working-directory entry)."""
    cleaned = [p for p in sys.path if p not in ("", os.getcwd()) and p not in paths]
    sys.path[:] = list(paths) + cleaned


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Send everything written to stdout (Python and file descriptor 1) to stderr for the block."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


class TaskTimedOut(Exception):
    """Raised inside the handler when an in-process invocation reaches its deadline."""


def invoke_in_process(handler_spec: str, paths: list[str], environment: dict[str, str], event: Any, info: dict[str, Any]) -> dict[str, Any]:
    """Run one invocation in this process (``backlot invoke``): set the function's environment and
    ``sys.path``, send the function's stdout to stderr, and return :func:`run_invocation`'s frame.

    The function's ``Timeout`` is enforced with ``SIGALRM`` (main thread only): the handler is
    interrupted and the error is Lambda's ``Sandbox.Timedout``.
    """
    os.environ.update(environment)
    prepare_sys_path(paths)
    if paths:
        os.chdir(paths[0])
    seconds = max(0.001, (int(info["deadline_ms"]) - time.time() * 1000) / 1000)

    def expire(signum: int, frame: Any) -> None:
        raise TaskTimedOut(f"Task timed out after {seconds:.2f} seconds")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        with stdout_to_stderr():
            frame = run_invocation(handler_spec, event, info)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if not frame["ok"] and frame["error"].get("errorType") == "TaskTimedOut":
        frame["error"] = {"errorType": "Sandbox.Timedout", "errorMessage": f"{info['aws_request_id']} {frame['error']['errorMessage']}"}
    return frame


# ------------------------------------------------------------------------------------ framing

_HEADER = struct.Struct(">I")


def send_frame(sock: socket.socket, payload: dict[str, Any]) -> None:
    """Send one JSON frame."""
    data = json.dumps(payload).encode("utf-8")
    sock.sendall(_HEADER.pack(len(data)) + data)


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    chunks, remaining = [], size
    while remaining:
        chunk = sock.recv(min(remaining, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def recv_frame(sock: socket.socket) -> dict[str, Any] | None:
    """Receive one JSON frame; None when the peer closed the socket."""
    header = _recv_exact(sock, _HEADER.size)
    if header is None:
        return None
    data = _recv_exact(sock, _HEADER.unpack(header)[0])
    return None if data is None else json.loads(data)


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(parent_pid: int | None) -> None:
    """Ask Linux to SIGKILL this process when its parent ends, however it ends (prctl(2)
    ``PR_SET_PDEATHSIG``; the setting survives ``execve``), and exit now if the parent is already
    gone. Elsewhere a no-op: the worker still exits when its socket reaches EOF."""
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(0)


def main(argv: list[str]) -> int:
    """Worker process entry point: serve invocations until the parent closes the socket."""
    fd, config = int(argv[0]), json.loads(argv[1])
    die_with_parent(config.get("parent_pid"))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group; the parent stops us
    prepare_sys_path(config["sys_path"])
    sock = socket.socket(fileno=fd)
    while True:
        request = recv_frame(sock)
        if request is None:
            return 0
        send_frame(sock, run_invocation(config["handler"], request["event"], request["context"]))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
