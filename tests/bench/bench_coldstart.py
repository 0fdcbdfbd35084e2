"""Cold start of every function as Lambda runs it: the ``sam build`` output on python3.13.

For every function of every stack, in a fresh ``python3.13 -I -S -B`` process (no site-packages,
no bytecode written: a module without a valid ``.pyc`` compiles from source every time, as in
Lambda's read-only folders), with the environment Lambda gives (``LAMBDA_TASK_ROOT``,
``AWS_LAMBDA_FUNCTION_NAME``, ``AWS_EXECUTION_ENV=AWS_Lambda_python3.13``, memory size,
``_HANDLER``, the template's variables, so Powertools runs in Lambda mode) and ``sys.path`` in the
runtime's order (the function's folder, the built layers' ``python`` folders as ``/opt/python``,
then boto3 as the runtime provides it), it times the import of the ``Handler`` module and a first
invocation with ``events/<product>/<Function>.json`` against the local database and AWS emulator
(started as ``backlot dev`` starts them; a 4xx is a valid first invocation).

The baseline, measured in the same run and interleaved with the functions (one baseline process
before every few functions) so machine noise hits both: a one-route FastAPI + Mangum handler
importing from the same built layer. Each figure is the median of ``--runs`` fresh processes.

The build: ``sam build`` into ``.aws-sam/bench`` (own cache folder) with the layer's wheels for
this host's CPU (``PLATFORM``), the only difference from the deployed build, since an arm64 wheel
cannot load on x86_64 (``PLATFORM``/``PLATFORMS`` of ``layers/wheels.mk``); skipped
while the build is newer than every source file (``--rebuild``).

Prints the built sizes first, ``BENCH layers <Layer>_bytes=... largest_function=<Stack/Function>
largest_function_bytes=... largest_without_ffmpeg=... largest_without_ffmpeg_bytes=... quota_bytes=...
wheels=<tag>`` (function code + its layers, unzipped, as Lambda's 250 MB quota counts them;
``tests/support/lambda_sizes.py``; the wheels are this host's, so an x86_64 build is larger than
the arm64 one ``tests/contract/test_sam.py`` checks against the quota). Then per function
``BENCH coldstart function=<Stack/Function> import_ms=... first_invoke_ms=...
ratio=<import_ms / baseline import_ms> import_cpu_ms=... cpu_ratio=... kind=api|queue|schedule|other
status=...``, the baseline as ``function=baseline``, and ``BENCH coldstart_summary`` with the worst
API ratio (target <= 1.5). ``import_ms`` is wall time (what a cold start waits); ``import_cpu_ms``
is the process's CPU time over the same import, which other load on the machine barely moves, so
``cpu_ratio`` stays meaningful on a busy machine where wall-time medians are noisy.

Usage: ``make bench`` or ``.venv/bin/python tests/bench/bench_coldstart.py [--runs N]
[--only SUBSTRING] [--rebuild] [--project DIR]`` (``--project``: another checkout, e.g. the main
branch exported with ``git archive``, to measure the before).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("coldstart_child.py")
TARGET_RATIO = 1.5
BASELINE_EVERY = 4  # one baseline process before every this many function processes

BASELINE_MODULE = '''"""A one-route FastAPI + Mangum handler: the floor of any HTTP function."""
from fastapi import FastAPI
from mangum import Mangum

app = FastAPI()


@app.get("/ping")
def ping() -> dict:
    return {"ok": True}


handler = Mangum(app, lifespan="off")
'''
BASELINE_EVENT = {
    "version": "2.0", "routeKey": "GET /ping", "rawPath": "/ping", "rawQueryString": "", "headers": {"host": "localhost"},
    "requestContext": {"accountId": "123456789012", "apiId": "bench", "domainName": "localhost", "domainPrefix": "localhost",
                       "http": {"method": "GET", "path": "/ping", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "bench"},
                       "requestId": "bench", "routeKey": "GET /ping", "stage": "$default", "time": "05/Dec/2026:20:00:00 +0000",
                       "timeEpoch": 1796500800000},
    "isBase64Encoded": False,
}


def find_python313() -> str:
    """The python3.13 interpreter (the Lambda runtime's version): ``PYTHON313``, ``python3.13`` on
    ``PATH`` if it really is 3.13 (a pyenv shim may not be), or a pyenv install.

    Raises:
        SystemExit: none found.
    """
    candidates = [os.environ.get("PYTHON313", ""), "python3.13", *sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.13*/bin/python3.13")))]
    for candidate in filter(None, candidates):
        try:
            out = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2] == (3, 13) and sys.executable)"],
                                 capture_output=True, text=True, timeout=30)
        except OSError:
            continue
        if out.returncode == 0 and out.stdout.strip() not in ("", "False"):
            return out.stdout.strip()
    raise SystemExit("python3.13 not found: set PYTHON313=/path/to/python3.13")


def host_platforms() -> dict[str, str]:
    """The dependencies layer's wheel tags for this host's CPU, as its Makefile's variables:
    ``PLATFORM`` (one tag) and ``PLATFORMS`` (every manylinux tag up to Lambda's glibc 2.34)."""
    if sys.platform != "linux":
        raise SystemExit("the cold-start bench loads the layer's manylinux wheels: run it on Linux")
    arch = {"x86_64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}[platform.machine()]
    tags = [f"manylinux_2_{minor}_{arch}" for minor in range(34, 16, -1)] + [f"manylinux2014_{arch}"]
    return {"PLATFORM": f"manylinux2014_{arch}", "PLATFORMS": " ".join(tags)}


def _newest_source(project: Path) -> float:
    paths = [project / "template.yaml", *(project / "functions").rglob("*"), *(project / "layers").rglob("*")]
    return max(p.stat().st_mtime for p in paths if p.is_file() and "__pycache__" not in p.parts)


def build(project: Path, python313: str, *, rebuild: bool) -> Path:
    """``sam build`` of ``project`` into ``<project>/.aws-sam/bench`` unless it is fresh; the build dir."""
    build_dir = project / ".aws-sam" / "bench"
    built = build_dir / "template.yaml"
    if not rebuild and built.is_file() and built.stat().st_mtime > _newest_source(project):
        print(f"# using {build_dir} (newer than every source file)", flush=True)
        return build_dir
    sam = shutil.which("sam", path=str(Path(sys.executable).parent)) or shutil.which("sam")
    if sam is None:
        raise SystemExit("sam not found: make install (the sam extra)")
    env = os.environ | host_platforms() | {"PYTHON313": python313,
                        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    print(f"# sam build of {project} into {build_dir} (wheels for {env['PLATFORM']})", flush=True)
    out = subprocess.run([sam, "build", "--build-dir", str(build_dir), "--cache-dir", str(project / ".aws-sam" / "bench-cache")],
                         cwd=project, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"sam build failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    return build_dir


def layers_line(build_dir: Path) -> str:
    """``BENCH layers ...``: each built layer's bytes and the largest functions with their layers."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tests.support.lambda_sizes import LAMBDA_UNZIPPED_BYTES, function_sizes, layer_sizes

    sizes = function_sizes(build_dir)
    plain = [s for s in sizes if "FfmpegLayer" not in s.layers] or sizes
    layers = " ".join(f"{name}_bytes={size}" for name, size in layer_sizes(build_dir).items())
    return (f"BENCH layers {layers} largest_function={sizes[0].function} largest_function_bytes={sizes[0].total} "
            f"largest_without_ffmpeg={plain[0].function} largest_without_ffmpeg_bytes={plain[0].total} "
            f"quota_bytes={LAMBDA_UNZIPPED_BYTES} wheels={host_platforms()['PLATFORM']}")


def runtime_dir(project: Path, python313: str) -> Path:
    """boto3 as the Lambda runtime provides it (outside the layers), installed once for python3.13."""
    import boto3

    folder = project / ".aws-sam" / "bench-runtime"
    stamp = folder / f".boto3-{boto3.__version__}"
    if not stamp.is_file():
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run([python313, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target", str(folder),
                        f"boto3=={boto3.__version__}"], check=True, capture_output=True)
        # the runtime's own packages come compiled, like the rest of the Lambda image
        subprocess.run([python313, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", str(folder)],
                       check=True, stdout=subprocess.DEVNULL)
        stamp.touch()
    return folder


def baseline_task(build_dir: Path, python313: str) -> Path:
    """A task root holding the baseline handler, compiled like the functions."""
    folder = build_dir.parent / "bench-baseline"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "baseline_handler.py").write_text(BASELINE_MODULE)
    (folder / "event.json").write_text(json.dumps(BASELINE_EVENT))
    subprocess.run([python313, "-m", "compileall", "-q", "-f", "--invalidation-mode", "unchecked-hash", str(folder)],
                   check=True, stdout=subprocess.DEVNULL)
    return folder


def bytecode_report(python313: str, folders: list[Path]) -> str:
    """How many ``.py`` files of the built folders have a python3.13 ``.pyc`` beside them, and how
    many of those are hash-based unchecked (PEP 552 flags ``0b01``), valid in a read-only folder."""
    magic = bytes.fromhex(subprocess.run([python313, "-c", "import importlib.util; print(importlib.util.MAGIC_NUMBER.hex())"],
                                         capture_output=True, text=True, check=True).stdout.strip())
    sources = compiled = unchecked = 0
    for folder in folders:
        for source in folder.rglob("*.py"):
            sources += 1
            pyc = source.parent / "__pycache__" / f"{source.stem}.cpython-313.pyc"
            if pyc.is_file():
                header = pyc.read_bytes()[:8]
                if header[:4] == magic:
                    compiled += 1
                    unchecked += int.from_bytes(header[4:8], "little") == 0b01
    return f"py_files={sources} compiled_313={compiled} unchecked_hash={unchecked}"


def lambda_environment(function, services_env: dict[str, str]) -> dict[str, str]:
    """What Lambda sets for ``function`` (AWS docs, "Defined runtime environment variables"), its
    template variables, and the local services (database URL, emulator endpoint, credentials)."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "en_US.UTF-8", "TZ": ":UTC",
        "LAMBDA_TASK_ROOT": str(function.code_dir), "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13", "AWS_LAMBDA_FUNCTION_NAME": function.name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function.name}", "AWS_LAMBDA_LOG_STREAM_NAME": "2026/12/05/[$LATEST]bench",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand", "_HANDLER": function.handler,
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR", "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        "_X_AMZN_TRACE_ID": "Root=1-67520000-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=1",
    }
    env |= function.environment
    env |= services_env
    env.pop("DB_IAM_AUTH", None)  # locally the database is DATABASE_URL's, with its password
    return env


def run_once(python313: str, spec: dict, env: dict[str, str]) -> dict:
    out = subprocess.run([python313, "-I", "-S", "-B", str(CHILD), json.dumps(spec)], capture_output=True, text=True, env=env,
                         timeout=spec["timeout_s"] + 60, cwd=spec["path"][0])
    lines = [line for line in out.stdout.splitlines() if line.startswith("COLDSTART ")]
    if out.returncode != 0 or not lines:
        tail = (out.stderr or out.stdout).strip().splitlines()[-5:]
        raise RuntimeError(f"{spec['handler']} failed (exit {out.returncode}): " + " | ".join(tail))
    return json.loads(lines[-1].removeprefix("COLDSTART "))


def kind_of(function) -> str:
    types = {event["Type"] for event in function.events.values()}
    if "HttpApi" in types:
        return "api"
    if "SQS" in types:
        return "queue"
    if types & {"Schedule", "ScheduleV2"}:
        return "schedule"
    return "other"


def start_services(services, project: Path) -> dict[str, str]:
    """Start the database (migrated) and the emulator (queues and buckets created) as ``backlot dev``
    starts them; the environment every function gets for them."""
    from backlot_local.database import migrate
    from backlot_local.emulator import provision
    from backlot_local.template import load_application

    services.start_database()
    services.start_emulator()
    source_app = load_application(project, aws_endpoint=services.aws_endpoint)
    migrate(services.database_url, source_app.products, source_app.product_code_dirs(), log=lambda line: print(f"# {line}", flush=True))
    provision(source_app, services.aws_endpoint, log=lambda line: None)
    overrides = {k: v for k, v in services.overrides().items() if not k.startswith("POWERTOOLS_")}  # Lambda mode: tracing and metrics on
    return overrides


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_COLDSTART_RUNS", "5")))
    parser.add_argument("--only", default="", help="only functions whose Stack/Function id contains this")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--project", type=Path, default=REPO)
    args = parser.parse_args()
    project = args.project.resolve()

    from backlot_local.services import LocalServices
    from backlot_local.template import load_application

    python313 = find_python313()
    build_dir = build(project, python313, rebuild=args.rebuild)
    print(layers_line(build_dir), flush=True)
    runtime = runtime_dir(project, python313)
    state = project / ".backlot" / "bench"
    state.mkdir(parents=True, exist_ok=True)
    services = LocalServices(state, log=lambda line: print(f"# {line}", flush=True))
    try:
        services_env = start_services(services, project)
        app = load_application(build_dir, aws_endpoint=services.aws_endpoint)
        functions = [f for f in app.functions if args.only in f.id]
        if not functions:
            raise SystemExit(f"no function id contains {args.only!r}")
        layer_dirs = [str(d) for d in (functions[0].layer_dirs if functions else [])]

        folders = sorted({*(f.code_dir for f in functions), *(d for f in functions for d in f.layer_dirs)})
        print(f"BENCH coldstart_artifacts {bytecode_report(python313, folders)}", flush=True)

        base_dir = baseline_task(build_dir, python313)
        base_env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LAMBDA_TASK_ROOT": str(base_dir), "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
                    "AWS_LAMBDA_FUNCTION_NAME": "baseline", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512", "_HANDLER": "baseline_handler.handler"}
        base_spec = {"path": [str(base_dir), *layer_dirs, str(runtime)], "handler": "baseline_handler.handler",
                     "event": str(base_dir / "event.json"), "function_name": "baseline", "memory_mb": 512, "timeout_s": 10}

        jobs = []
        for function in functions:
            product = function.handler.partition(".")[0]  # the product package (a product may have several stacks)
            event = project / "events" / product / f"{function.logical_id}.json"
            spec = {"path": [str(function.code_dir), *map(str, function.layer_dirs), str(runtime)], "handler": function.handler,
                    "event": str(event) if event.is_file() else None, "function_name": function.name,
                    "memory_mb": function.memory_size, "timeout_s": function.timeout}
            jobs.append((function, spec, lambda_environment(function, services_env)))

        samples: dict[str, list[dict]] = {"baseline": []}
        print(f"# {len(jobs)} functions x {args.runs} runs, python3.13 = {python313}", flush=True)
        rng = random.Random(8)
        for _ in range(args.runs):
            order = list(jobs)
            rng.shuffle(order)
            for index, (function, spec, env) in enumerate(order):
                if index % BASELINE_EVERY == 0:
                    samples["baseline"].append(run_once(python313, base_spec, base_env))
                samples.setdefault(function.id, []).append(run_once(python313, spec, env))
    finally:
        services.stop()

    def median(runs: list[dict], key: str) -> float | None:
        values = [r[key] for r in runs if r[key] is not None]
        return statistics.median(values) if values else None

    base_import, base_cpu = median(samples["baseline"], "import_ms"), median(samples["baseline"], "import_cpu_ms")
    base_invoke = median(samples["baseline"], "first_invoke_ms")
    print(f"BENCH coldstart function=baseline import_ms={base_import:.1f} import_cpu_ms={base_cpu:.1f} "
          f"first_invoke_ms={base_invoke:.1f} runs={len(samples['baseline'])}", flush=True)
    api = []
    for function, _, _ in jobs:
        runs = samples[function.id]
        import_ms, cpu_ms, invoke_ms = median(runs, "import_ms"), median(runs, "import_cpu_ms"), median(runs, "first_invoke_ms")
        ratio, cpu_ratio = import_ms / base_import, cpu_ms / base_cpu
        kind = kind_of(function)
        if kind == "api":
            api.append((ratio, cpu_ratio, function.id, invoke_ms))
        invoke = f"{invoke_ms:.1f}" if invoke_ms is not None else "none"
        print(f"BENCH coldstart function={function.id} import_ms={import_ms:.1f} first_invoke_ms={invoke} ratio={ratio:.2f} "
              f"import_cpu_ms={cpu_ms:.1f} cpu_ratio={cpu_ratio:.2f} kind={kind} status={runs[-1]['status']} runs={len(runs)}", flush=True)
    if api:
        worst, worst_cpu = max(api), max(api, key=lambda row: row[1])
        invokes = [row[3] for row in api if row[3] is not None]
        print(f"BENCH coldstart_summary api_functions={len(api)} baseline_import_ms={base_import:.1f} "
              f"worst_api_ratio={worst[0]:.2f} worst_api_function={worst[2]} worst_api_cpu_ratio={worst_cpu[1]:.2f} "
              f"worst_api_cpu_function={worst_cpu[2]} target_ratio={TARGET_RATIO} ok={str(worst[0] <= TARGET_RATIO).lower()} "
              f"ok_cpu={str(worst_cpu[1] <= TARGET_RATIO).lower()} api_first_invoke_ms_min={min(invokes):.1f} "
              f"api_first_invoke_ms_median={statistics.median(invokes):.1f} api_first_invoke_ms_max={max(invokes):.1f}", flush=True)


if __name__ == "__main__":
    main()
