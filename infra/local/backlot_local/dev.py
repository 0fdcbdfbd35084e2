"""``backlot dev``: the whole application on this machine.

Start-up order: the database (embedded PostgreSQL unless ``DATABASE_URL``), the AWS emulator (moto
unless ``AWS_ENDPOINT_URL``), the templates (resolved with the emulator's queue URLs), migrations,
the buckets/queues/notifications, then the SQS pollers, the schedules and the HTTP gateway (uvicorn).
When the gateway listens, ``backlot dev ready on http://<host>:<port>`` is printed and
``<state>/dev.json`` records the URL, emulator and database for ``backlot invoke``.
Ctrl-C or SIGTERM stops the gateway, pollers, scheduler, workers, moto and PostgreSQL, in that order.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

from backlot_local.database import migrate
from backlot_local.emulator import provision
from backlot_local.gateway import Gateway
from backlot_local.routing import Router
from backlot_local.schedules import Scheduler
from backlot_local.services import DEV_FILE, LocalServices
from backlot_local.sqs import SqsPoller
from backlot_local.template import Application, JwtAuthorizerConfig, load_application
from backlot_local.tokens import load_keys
from backlot_local.workers import WorkerPool


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


def _terminate(signum: int, frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not interrupt the clean-up
    raise SystemExit(0)


class DevServer:
    """One ``backlot dev`` run. :meth:`run` blocks until the server is told to stop."""

    def __init__(self, root: Path, state: Path, *, host: str = "127.0.0.1", port: int = 3000,
                 env_vars: dict[str, dict[str, str]] | None = None, log: Callable[[str], None] = say):
        self.root, self.state, self.host, self.port, self.log = root, state, host, port, log
        self.env_vars = env_vars or {}

    def run(self) -> int:
        """Start everything, serve until SIGINT/SIGTERM, stop everything. Returns the exit code."""
        import uvicorn

        # SIGTERM ends the run through the finally block below. While uvicorn serves it captures the
        # signal, shuts down gracefully and raises it again on the way out, which lands here.
        signal.signal(signal.SIGTERM, _terminate)

        services = LocalServices(self.state, log=self.log)
        pool: WorkerPool | None = None
        gateway: Gateway | None = None
        pollers: list[SqsPoller] = []
        scheduler: Scheduler | None = None
        try:
            database_url = services.start_database()
            endpoint = services.start_emulator()
            app = load_application(self.root, aws_endpoint=endpoint, env_vars=self.env_vars)
            for warning in app.warnings:
                self.log(f"[template] {warning}")
            migrate(database_url, app.products, app.product_code_dirs(), log=self.log)
            provision(app, endpoint, log=self.log)
            pool = WorkerPool(services.overrides(), log=self.log)
            gateway = Gateway(app, pool.invoke, load_keys(self.state), port=self.port, log=self.log)
            for line in describe_routes(app):
                self.log(f"[route] {line}")
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
                gateway, host=self.host, port=self.port, lifespan="off", log_level="warning", access_log=False, server_header=False
            )
            server = uvicorn.Server(config)
            threading.Thread(target=self._announce, args=(server, gateway, services), daemon=True).start()
            server.run()
            return 0 if server.started else 1
        finally:
            self.log("[backlot] stopping")
            self._forget()
            for poller in pollers:
                poller.stop()
            if scheduler is not None:
                scheduler.stop()
            if gateway is not None:
                gateway.close()
            if pool is not None:
                pool.stop()
            services.stop()
            self.log("[backlot] stopped")

    def _forget(self) -> None:
        """Remove ``dev.json`` if this process wrote it (another dev server may own it)."""
        path = self.state / DEV_FILE
        try:
            if json.loads(path.read_text()).get("pid") == os.getpid():
                path.unlink()
        except (OSError, ValueError):
            pass

    def _announce(self, server: object, gateway: Gateway, services: LocalServices) -> None:
        while not getattr(server, "started", False):
            if getattr(server, "should_exit", False):
                return
            time.sleep(0.05)
        port = self.port
        for listener in getattr(server, "servers", []):
            for sock in listener.sockets:
                port = sock.getsockname()[1]
        gateway.port = port
        url = f"http://{self.host}:{port}"
        record = {"pid": os.getpid(), "url": url, "aws_endpoint": services.aws_endpoint, "database_url": services.database_url}
        (self.state / DEV_FILE).write_text(json.dumps(record, indent=2))
        self.log(f"backlot dev ready on {url}")
