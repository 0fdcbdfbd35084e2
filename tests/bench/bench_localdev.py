"""``backlot dev`` with every HTTP route called at least once: workers, memory, the bound, Ctrl-C.

    python tests/bench/bench_localdev.py [--max-workers N] [--threads T] [--rounds R]

Starts ``backlot dev`` on the repo's templates with a fresh state folder (its own embedded
PostgreSQL and moto), reads ``backlot routes``, and calls every route ``--rounds`` times from
``--threads`` threads at once (path parameters filled with a nil UUID, a JSON ``{}`` body for writes,
a development JWT in ``Authorization`` for JWT routes, a music player's device token, made first
through the music API, for the players' Lambda authorizer; a 4xx still runs the function; a
function whose authorizer refused is counted apart as ``authorizer_only``). A sampler counts the
worker processes and the memory of the whole tree (``backlot dev``, workers, watchdog, PostgreSQL)
every 0.1 s. Then Ctrl-C (SIGINT to the process group) and the seconds until everything it started
is gone. Prints, besides a few ``#`` lines::

    BENCH localdev routes=... functions_invoked=... http_functions=... authorizer_only=... max_workers=... peak_workers=...
          bound_held=... worker_rss_mib_p50=... worker_pss_mib_p50=... worker_rss_mib_max=...
          tree_rss_mib_peak=... tree_pss_mib_peak=... tree_rss_mib_end=... tree_pss_mib_end=...
          startup_s=... ctrl_c_s=... leftovers=...

RSS counts shared pages in every process; PSS (``/proc/<pid>/smaps_rollup``, Linux) divides them
among the processes sharing them, so the tree's PSS is what the tree really costs.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve()
REPO = next((p for p in HERE.parents if (p / "pyproject.toml").exists()), HERE.parents[2])
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import httpx  # noqa: E402
import psutil  # noqa: E402

from tests.integration.local.lifecycle import cleanup, new_state, postgres_of, start_dev, wait_until_gone  # noqa: E402

MIB = 1024 * 1024
NIL = "00000000-0000-0000-0000-000000000000"
ROUTE = re.compile(r"^(\S+)\s+(\S+) -> (\S+) \((.*)\)$")


def routes() -> list[tuple[str, str, str, str]]:
    """(method, path, function, authorizer) of every route ``backlot routes`` lists."""
    env = {"BACKLOT_ROOT": str(REPO), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "backlot_local", "routes"], env=env, capture_output=True, text=True, check=True, timeout=120).stdout
    return [m.groups() for m in map(ROUTE.match, out.splitlines()) if m]  # type: ignore[misc]


def pss(process: psutil.Process) -> int:
    """Proportional set size in bytes (0 where /proc/<pid>/smaps_rollup cannot be read)."""
    try:
        for line in Path(f"/proc/{process.pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree(dev, state: Path) -> list[psutil.Process]:
    """``backlot dev``, its descendants and the PostgreSQL processes of its state folder."""
    processes = {p.pid: p for p in [psutil.Process(dev.process.pid), *dev.descendants(), *postgres_of(state)]}
    return list(processes.values())


def is_worker(process: psutil.Process) -> bool:
    try:
        return "backlot_local.worker" in " ".join(process.cmdline())
    except psutil.NoSuchProcess:
        return False


class Sampler(threading.Thread):
    """Peaks of the worker count and of the tree's RSS/PSS, sampled every 0.1 s."""

    def __init__(self, dev, state: Path):
        super().__init__(daemon=True)
        self.dev, self.state = dev, state
        self.peak_workers = self.peak_rss = self.peak_pss = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.1):
            try:
                processes = tree(self.dev, self.state)
                rss = sum(p.memory_info().rss for p in processes)
                self.peak_workers = max(self.peak_workers, sum(map(is_worker, processes)))
                self.peak_rss = max(self.peak_rss, rss)
                self.peak_pss = max(self.peak_pss, sum(pss(p) for p in processes))
            except psutil.NoSuchProcess:
                continue


def device_token(client: httpx.Client, base: str, token: str, table: list[tuple[str, str, str, str]]) -> str | None:
    """A music player's device token (what the players' Lambda authorizer accepts), made through the
    music API as an admin; None when that route is absent or refuses."""
    for method, path, _function, _auth in table:
        if method == "POST" and re.fullmatch(r"/music/api/players/?", path):
            made = client.post(base + path, json={"name": "bench player"}, headers={"Authorization": f"Bearer {token}"})
            return made.json().get("token") if made.status_code == 201 else None
    return None


def call(client: httpx.Client, base: str, token: str, device: str | None, route: tuple[str, str, str, str]) -> int:
    method, path, _function, auth = route
    method = "GET" if method in ("ANY", "$default") else method
    url = base + re.sub(r"\{[^}]+\}", NIL, path)
    bearer = device if device and auth.startswith("Lambda authorizer") else token
    headers = {"Authorization": f"Bearer {bearer}"} if auth != "no authorizer" else {}
    body = b"{}" if method in ("POST", "PUT", "PATCH") else None
    if body is not None:
        headers["Content-Type"] = "application/json"
    return client.request(method, url, headers=headers, content=body).status_code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-workers", type=int, default=None, help="passed to backlot dev (default: its own default)")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()

    table = routes()
    state = new_state()
    extra = ["--max-workers", str(args.max_workers)] if args.max_workers else []
    started = time.monotonic()
    dev = start_dev(state, *extra, root=REPO)
    startup_s = time.monotonic() - started
    try:
        bound = int(re.search(r"at most (\d+) execution environments", dev.log()).group(1))  # type: ignore[union-attr]
        token = subprocess.run(
            [sys.executable, "-m", "backlot_local", "token", "bench-user", "--group", "admin"],
            env={"BACKLOT_ROOT": str(REPO), "BACKLOT_STATE_DIR": str(state), "PATH": "/usr/bin:/bin"},
            capture_output=True, text=True, check=True, timeout=60,
        ).stdout.strip()
        sampler = Sampler(dev, state)
        sampler.start()
        statuses: dict[int, int] = {}
        with httpx.Client(timeout=120) as client, ThreadPoolExecutor(args.threads) as threads:
            device = device_token(client, dev.url, token, table)
            for status in threads.map(lambda r: call(client, dev.url, token, device, r), table * args.rounds):
                statuses[status] = statuses.get(status, 0) + 1
        time.sleep(0.5)
        sampler.done.set()
        sampler.join()
        processes = tree(dev, state)
        workers = [p for p in processes if is_worker(p)]
        worker_rss = [p.memory_info().rss / MIB for p in workers]
        worker_pss = [pss(p) / MIB for p in workers]
        end_rss = sum(p.memory_info().rss for p in processes) / MIB
        end_pss = sum(pss(p) for p in processes) / MIB
        everything = processes
        ctrl_c_s = dev.interrupt()
        leftovers = len(wait_until_gone(everything, 10))
        time.sleep(0.2)  # the output pump reads the last lines
        # a function ran unless its line says an authorizer stopped the request
        invoked = {m.group(1) for m in re.finditer(r"^\[http\] \S+ \S+ -> (\S+) (.*)$", dev.log(), re.M) if "authorizer" not in m.group(2)}
        http_functions = {r[2] for r in table}
        authorized_only = {r[2] for r in table if r[3].startswith("Lambda authorizer")} - invoked
    finally:
        dev.kill()
        cleanup(state)
    print(f"# statuses {dict(sorted(statuses.items()))}; functions not reached: {sorted(http_functions - invoked) or 'none'} "
          f"(behind a Lambda authorizer that ran and refused: {sorted(authorized_only) or 'none'})")
    print(
        f"BENCH localdev routes={len(table)} functions_invoked={len(invoked & http_functions)} http_functions={len(http_functions)} "
        f"authorizer_only={len(authorized_only)} "
        f"max_workers={bound} peak_workers={sampler.peak_workers} bound_held={str(sampler.peak_workers <= bound).lower()} "
        f"worker_rss_mib_p50={statistics.median(worker_rss):.1f} worker_pss_mib_p50={statistics.median(worker_pss):.1f} "
        f"worker_rss_mib_max={max(worker_rss):.1f} tree_rss_mib_peak={sampler.peak_rss / MIB:.0f} tree_pss_mib_peak={sampler.peak_pss / MIB:.0f} "
        f"tree_rss_mib_end={end_rss:.0f} tree_pss_mib_end={end_pss:.0f} startup_s={startup_s:.1f} ctrl_c_s={ctrl_c_s:.2f} leftovers={leftovers}"
    )
    return 0 if sampler.peak_workers <= bound and leftovers == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
