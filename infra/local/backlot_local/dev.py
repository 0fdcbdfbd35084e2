"""``backlot dev``: the whole application on this machine.

Start-up order: the HTTP port is bound first (a port in use stops the run at once, with a message
naming it, before anything else starts), then the watchdog (:mod:`backlot_local.watchdog`), the
database (embedded PostgreSQL unless ``DATABASE_URL``), the AWS emulator (moto unless
``AWS_ENDPOINT_URL``), the templates (resolved with the emulator's queue URLs), migrations, the
buckets/queues/notifications, then the SQS pollers, the schedules and the HTTP gateway (uvicorn,
on the socket bound at the start). When the gateway listens, ``backlot dev ready on
http://<host>:<port>`` is printed and ``<state>/dev.json`` records the URL, emulator and database
for ``backlot invoke``.

Ctrl-C or SIGTERM stops the gateway, the scheduler, all workers at once, then moto, PostgreSQL and
the SQS pollers side by side (``tests/integration/local/test_local_dev_lifecycle.py`` tests it,
``tests/bench/bench_localdev.py`` times it). Killed with SIGKILL, workers die with the process
(``PR_SET_PDEATHSIG``), moto is a thread of it, and the watchdog stops embedded PostgreSQL; the next
start also stops a server that nobody holds any more.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

from backlot_local import gpu_provider
from backlot_local.database import migrate
from backlot_local.emulator import provision
from backlot_local.gateway import Gateway
from backlot_local.openapi import Docs
from backlot_local.routing import Router
from backlot_local.schedules import Scheduler
from backlot_local.services import DEV_FILE, LocalServices
from backlot_local.sqs import SqsPoller
from backlot_local.template import Application, JwtAuthorizerConfig, load_application
from backlot_local.tokens import load_keys, local_issuer
from backlot_local.watchdog import Watchdog
from backlot_local.workers import DEFAULT_IDLE_TIMEOUT_S, DEFAULT_MAX_WORKERS, WorkerPool


def say(message: str) -> None:
    """Print one line at once (several threads and the workers share stdout)."""
    print(message, flush=True)


def describe_routes(app: Application) -> list[str]:
    """One line per route: method, full local path, function, authorizer."""
    router = Router(app)
    lines = []
    for route in app.routes:
        path = router.base_path(route.api) + ("" if route.path == "$default" else route.path)
        if route.authorizer is None:
            auth = "no authorizer"
        elif isinstance(route.authorizer, JwtAuthorizerConfig):
            auth = f"JWT {route.authorizer.name}"
        else:
            auth = f"Lambda authorizer {route.authorizer.name}"
        key = "$default" if route.path == "$default" else route.method
        lines.append(f"{key:7} {path or '/'} -> {route.function.id} ({auth})")
    return lines


class PortInUse(RuntimeError):
    """The HTTP port is taken; the message names it and says how to choose another."""


def _loopback(host: str) -> str:
    """The address a local process reaches a server listening on ``host`` at."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def bind_port(host: str, port: int) -> socket.socket:
    """Bind the gateway's listening socket now (``SO_REUSEADDR``, as uvicorn does), before anything
    else starts. Port 0 picks a free port (read it with ``getsockname()``).

    Raises:
        PortInUse: another process listens on ``host:port`` (or binding is not permitted).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        why = "is already in use" if exc.errno == errno.EADDRINUSE else f"cannot be bound ({exc.strerror})"
        raise PortInUse(
            f"backlot dev: port {port} on {host} {why}; nothing was started. Is another backlot dev running? "
            f"Choose another port: backlot dev --port {port + 1} (or BACKLOT_PORT={port + 1}, make dev PORT={port + 1}; --port 0 picks a free one)."
        ) from exc
    sock.set_inheritable(False)
    return sock


def _terminate(signum: int, frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not interrupt the clean-up
    raise SystemExit(0)


class DevServer:
    """One ``backlot dev`` run. :meth:`run` blocks until the server is told to stop."""

    def __init__(self, root: Path, state: Path, *, host: str = "127.0.0.1", port: int = 3000,
                 env_vars: dict[str, dict[str, str]] | None = None, max_workers: int = DEFAULT_MAX_WORKERS,
                 idle_timeout_s: float = DEFAULT_IDLE_TIMEOUT_S, log: Callable[[str], None] = say):
        self.root, self.state, self.host, self.port, self.log = root, state, host, port, log
        self.env_vars = env_vars or {}
        self._provider: object | None = None
        self.max_workers, self.idle_timeout_s = max_workers, idle_timeout_s

    def run(self) -> int:
        """Start everything, serve until SIGINT/SIGTERM, stop everything. Returns the exit code
        (2 when the port is taken: then nothing was started)."""
        import uvicorn

        try:
            listener = bind_port(self.host, self.port)
        except PortInUse as exc:
            self.log(str(exc))
            return 2
        # SIGTERM ends the run through the finally block below. While uvicorn serves it captures the
        # signal, shuts down gracefully and raises it again on the way out, which lands here.
        signal.signal(signal.SIGTERM, _terminate)

        watchdog = Watchdog.start(self.state, log=self.log)
        services = LocalServices(self.state, log=self.log)
        pool: WorkerPool | None = None
        gateway: Gateway | None = None
        pollers: list[SqsPoller] = []
        scheduler: Scheduler | None = None
        try:
            database_url = services.start_database()
            endpoint = services.start_emulator()
            app = load_application(self.root, aws_endpoint=endpoint, env_vars=self.env_vars)
            provider = gpu_provider.start(self.root, self.state, listener.getsockname()[1], self.log)
            if provider is not None:
                self._provider = provider[0]
                gpu_provider.apply(app, provider[1], self.env_vars)
            for warning in app.warnings:
                self.log(f"[template] {warning}")
            migrate(database_url, app.products, app.product_code_dirs(), log=self.log)
            provision(app, endpoint, log=self.log)
            # functions that verify bearer tokens themselves (backlot.bearer) also trust the local key,
            # whose JWKS this server serves
            local = local_issuer(f"http://{_loopback(self.host)}:{listener.getsockname()[1]}")
            overrides = services.overrides() | {"JWT_EXTRA_ISSUERS": json.dumps([local])}
            pool = WorkerPool(overrides, max_workers=self.max_workers, idle_timeout_s=self.idle_timeout_s, log=self.log)
            self.log(f"[lambda] at most {self.max_workers} execution environments at once; idle ones stop after {self.idle_timeout_s:g} s")
            gateway = Gateway(app, pool.invoke, load_keys(self.state), port=self.port, log=self.log, docs=Docs())
            for line in describe_routes(app):
                self.log(f"[route] {line}")
            for product in Docs().products:
                self.log(f"[docs] GET /{product}/openapi.json, GET /{product}/docs (served by backlot dev itself)")
            for source in app.sqs_sources:
                queue = app.queue_by_arn(source.queue_arn)
                if queue is None:
                    self.log(f"[sqs] {source.function.id}: queue {source.queue_arn} is not in the templates; not polled")
                    continue
                if not source.enabled:
                    self.log(f"[sqs] {source.function.id} <- {queue.name}: disabled")
                    continue
                poller = SqsPoller(source, queue, endpoint, pool.invoke, log=self.log)
                flags = ", ReportBatchItemFailures" if source.report_batch_item_failures else ""
                self.log(f"[sqs] {source.function.id} <- {queue.name} (batch {source.batch_size}{flags})")
                poller.start()
                pollers.append(poller)
            scheduler = Scheduler(app.schedules, pool.invoke, log=self.log)
            scheduler.start()

            config = uvicorn.Config(
                gateway, host=self.host, port=self.port, lifespan="off", log_level="warning", access_log=False,
                server_header=False, timeout_graceful_shutdown=1,
            )
            server = uvicorn.Server(config)
            threading.Thread(target=self._announce, args=(server, gateway, services, listener), daemon=True).start()
            server.run(sockets=[listener])
            return 0 if server.started else 1
        finally:
            self._stop_all(listener, pollers, scheduler, gateway, pool, services, watchdog)

    def _stop_all(self, listener: socket.socket, pollers: list[SqsPoller], scheduler: Scheduler | None, gateway: Gateway | None,
                  pool: WorkerPool | None, services: LocalServices, watchdog: Watchdog) -> None:
        """Stop what :meth:`run` started, timing each part (the line ends ``stopped in N s (...)``)."""
        started = time.monotonic()
        phases: list[str] = []

        def lap(name: str, since: float) -> float:
            now = time.monotonic()
            phases.append(f"{name} {now - since:.1f}")
            return now

        self.log("[backlot] stopping")
        self._forget()
        listener.close()
        for poller in pollers:
            poller.stop(wait=False)
        if scheduler is not None:
            scheduler.stop()
        if gateway is not None:
            gateway.close()
        mark = time.monotonic()
        if pool is not None:
            stats = pool.stats()
            pool.stop()
            self.log(f"[lambda] peak {stats.peak} execution environments (bound {stats.max_workers}); {stats.evicted} evicted, {stats.reaped} stopped idle")
        mark = lap("workers", mark)
        if self._provider is not None:
            gpu_provider.stop(self._provider)
        # the rest at once: a poller may sit in a 1 s long poll, moto's server notices its stop
        # within 0.5 s, PostgreSQL writes a shutdown checkpoint (about 1 s)
        moto, services.moto = services.moto, None
        emulator = threading.Thread(target=moto.stop, name="stop-emulator") if moto is not None else None
        if emulator is not None:
            emulator.start()
        services.stop()
        mark = lap("database", mark)
        if emulator is not None:
            emulator.join(5)
        for poller in pollers:
            poller.join(max(0.1, 1 - (time.monotonic() - mark)))
        mark = lap("emulator and pollers", mark)
        watchdog.close()
        self.log(f"[backlot] stopped in {time.monotonic() - started:.1f} s ({', '.join(phases)})")

    def _forget(self) -> None:
        """Remove ``dev.json`` if this process wrote it (another dev server may own it)."""
        path = self.state / DEV_FILE
        try:
            if json.loads(path.read_text()).get("pid") == os.getpid():
                path.unlink()
        except (OSError, ValueError):
            pass

    def _announce(self, server: object, gateway: Gateway, services: LocalServices, listener: socket.socket) -> None:
        while not getattr(server, "started", False):
            if getattr(server, "should_exit", False):
                return
            time.sleep(0.05)
        port = listener.getsockname()[1]
        gateway.port = port
        url = f"http://{self.host}:{port}"
        record = {"pid": os.getpid(), "url": url, "aws_endpoint": services.aws_endpoint, "database_url": services.database_url}
        (self.state / DEV_FILE).write_text(json.dumps(record, indent=2))
        self.log(f"backlot dev ready on {url}")
