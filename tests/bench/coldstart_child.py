"""One Lambda cold start, run by ``bench_coldstart.py`` in a fresh ``python3.13 -I -S -B`` process.

Arguments: a JSON object ``{"path": [...], "handler": "module.attr", "event": <file or null>,
"function_name", "memory_mb", "timeout_s"}``. ``sys.path`` becomes ``path`` (task root, the
layers' python folders, the runtime's boto3 folder) followed by the standard library, as the Lambda
runtime orders it; ``-B`` writes no bytecode, so a module without a valid ``.pyc`` compiles from
source on every run, as in Lambda's read-only folders.

Prints one line ``COLDSTART {"import_ms", "import_cpu_ms", "first_invoke_ms", "status"}`` (stdout also carries the
function's own logs).
"""

import json
import sys
import time

spec = json.loads(sys.argv[1])
sys.path[:] = spec["path"] + [p for p in sys.path if "site-packages" not in p and p != ""]

import importlib  # noqa: E402  (sys.path first)


class LambdaContext:
    """The attributes of Lambda's context object that handlers and Powertools read."""

    def __init__(self, name: str, memory_mb: int, timeout_s: int) -> None:
        self.function_name = name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = "00000000-0000-4000-8000-000000000001"
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = "2026/12/05/[$LATEST]bench"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


module_name, _, attr = spec["handler"].rpartition(".")
started, started_cpu = time.perf_counter(), time.process_time()
handler = getattr(importlib.import_module(module_name), attr)
imported, imported_cpu = time.perf_counter(), time.process_time()

status = None
invoke_ms = None
if spec.get("event"):
    with open(spec["event"], encoding="utf-8") as f:
        event = json.load(f)
    context = LambdaContext(spec["function_name"], spec["memory_mb"], spec["timeout_s"])
    begin = time.perf_counter()
    try:
        result = handler(event, context)
    except Exception as exc:  # a first invocation that raises is still timed; the bench reports it
        result = {"error": type(exc).__name__}
    invoke_ms = (time.perf_counter() - begin) * 1000
    if isinstance(result, dict):
        status = result.get("statusCode", result.get("error"))
        if "batchItemFailures" in result:
            status = f"failures={len(result['batchItemFailures'])}"
    else:
        status = type(result).__name__

print("COLDSTART " + json.dumps({"import_ms": (imported - started) * 1000, "import_cpu_ms": (imported_cpu - started_cpu) * 1000,
                                 "first_invoke_ms": invoke_ms, "status": status}), flush=True)
