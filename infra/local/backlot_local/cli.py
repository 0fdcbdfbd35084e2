"""The ``backlot`` command.

    backlot dev [--port 3000] [--host 127.0.0.1] [--env-vars f.json] [--max-workers N] [--idle-timeout S]
                                                     serve every product's API, queues and schedules
    backlot invoke <Stack/Function> [-e event.json] [--env-vars f.json]  run one function once, print its result
    backlot token USER [--group G]... [--email E] [--ttl S]   print a development bearer JWT
    backlot user-id USER                             print the user id the platform gives USER
    backlot migrate                                  apply migrations
    backlot routes                                   list the routes read from the templates
    backlot openapi [--check]                        write (or check) openapi/<product>.json from the apps
    backlot reset                                    remove the local database and S3 together

The repo root is found from the working directory (or ``BACKLOT_ROOT``); state lives in
``<root>/.backlot`` (or ``BACKLOT_STATE_DIR``). See :mod:`backlot_local` for how each part works.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from backlot_local.paths import RootNotFound, find_root, state_dir


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _env_vars(path: str | None) -> dict[str, dict[str, str]]:
    """Read a ``--env-vars`` JSON file (``sam local`` format); {} without one."""
    if not path:
        return {}
    data = json.loads(Path(path).read_text())
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise SystemExit(f"backlot: {path}: expected {{\"Parameters\": {{...}}, \"<Function>\": {{...}}}}")
    return data


def cmd_dev(args: argparse.Namespace) -> int:
    from backlot_local.dev import DevServer

    root = find_root()
    server = DevServer(
        root, state_dir(root), host=args.host, port=args.port, env_vars=_env_vars(args.env_vars),
        max_workers=args.max_workers, idle_timeout_s=args.idle_timeout,
    )
    try:
        code = server.run()
    except KeyboardInterrupt:
        code = 130
    except SystemExit as exc:  # SIGTERM (see backlot_local.dev)
        code = exc.code if isinstance(exc.code, int) else 0
    # Everything the run started is stopped by now. Tearing down the interpreter (moto and the
    # functions' imports: tens of thousands of objects) would add about a second to Ctrl-C, so leave
    # at once. Anything left (a second Ctrl-C cut the clean-up short) is the watchdog's to stop.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def cmd_invoke(args: argparse.Namespace) -> int:
    from backlot_local.database import migrate
    from backlot_local.emulator import provision
    from backlot_local.services import LocalServices
    from backlot_local.template import load_application
    from backlot_local.worker import invoke_in_process
    from backlot_local.workers import context_info, function_paths, lambda_environment

    root = find_root()
    if args.event == "-":
        event = json.load(sys.stdin)
    elif args.event:
        event = json.loads(Path(args.event).read_text())
    else:
        event = {}
    services = LocalServices(state_dir(root), reuse_dev=True, log=_err)
    try:
        database_url = services.start_database()
        endpoint = services.start_emulator()
        app = load_application(root, aws_endpoint=endpoint, env_vars=_env_vars(args.env_vars))
        try:
            function = app.function(args.function)
        except KeyError as exc:
            _err(f"backlot invoke: {exc.args[0]}")
            return 2
        if services.postgres is not None:
            migrate(database_url, app.products, app.product_code_dirs(), log=_err)
        if services.owns_emulator:
            provision(app, endpoint, log=_err)
        info = context_info(function)
        environment = lambda_environment(function, services.overrides())
        _err(f"[invoke] {function.id} ({function.handler}) request {info['aws_request_id']}")
        frame = invoke_in_process(function.handler, function_paths(function), environment, event, info)
        if frame["ok"]:
            print(frame["result"], flush=True)
            return 0
        print(json.dumps(frame["error"]), flush=True)
        return 1
    finally:
        services.stop()


def cmd_token(args: argparse.Namespace) -> int:
    from backlot_local.tokens import load_keys, make_token

    root = find_root()
    print(make_token(load_keys(state_dir(root)), args.user, groups=args.group, email=args.email, ttl=args.ttl), flush=True)
    return 0


def cmd_user_id(args: argparse.Namespace) -> int:
    from backlot.auth import user_id_for_subject

    print(user_id_for_subject(args.user), flush=True)
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from backlot_local.database import migrate
    from backlot_local.services import LocalServices
    from backlot_local.template import load_application

    root = find_root()
    services = LocalServices(state_dir(root), log=_err)
    try:
        database_url = services.start_database()
        app = load_application(root)
        applied = migrate(database_url, app.products, app.product_code_dirs(), log=_err)
        for migration_id in applied:
            print(migration_id, flush=True)
        return 0
    finally:
        services.stop()


def cmd_routes(args: argparse.Namespace) -> int:
    from backlot_local.dev import describe_routes
    from backlot_local.template import load_application

    app = load_application(find_root())
    for warning in app.warnings:
        _err(f"[template] {warning}")
    for line in describe_routes(app):
        print(line)
    return 0


def _env_number(name: str, default: float, kind: type = int) -> float:
    """``kind(os.environ[name])``, or ``default`` when unset; a bad value stops the command."""
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise SystemExit(f"backlot: {name}={raw!r} is not a number") from None
    if value <= 0:
        raise SystemExit(f"backlot: {name} must be positive")
    return value


def _positive(kind: type) -> Callable[[str], float]:
    def parse(text: str) -> float:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError("must be positive")
        return value

    return parse


def cmd_openapi(args: argparse.Namespace) -> int:
    from backlot_local import openapi

    root = find_root()
    if args.check:
        stale = [p for p in openapi.PRODUCTS
                 if not openapi.path_of(root, p).exists()
                 or openapi.path_of(root, p).read_text() != openapi.dumps(openapi.document(p))]
        for product in stale:
            _err(f"backlot openapi: {openapi.path_of(root, product)} differs from the {product} app; run make openapi")
        return 1 if stale else 0
    for path in openapi.write(root):
        print(f"wrote {path.relative_to(root)}")
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    from backlot_local.services import StateInUse, reset

    try:
        reset(state_dir(find_root()), log=_err)
    except StateInUse as exc:
        _err(f"backlot reset: {exc}")
        return 1
    return 0


def parser() -> argparse.ArgumentParser:
    """The argument parser of the ``backlot`` command (defaults of ``dev`` read ``BACKLOT_PORT``,
    ``BACKLOT_MAX_WORKERS`` and ``BACKLOT_WORKER_IDLE_S``)."""
    from backlot_local.workers import DEFAULT_IDLE_TIMEOUT_S, DEFAULT_MAX_WORKERS

    top = argparse.ArgumentParser(prog="backlot", description="backlot's local runtime (no Docker)")
    commands = top.add_subparsers(dest="command", required=True)

    dev = commands.add_parser("dev", help="serve the APIs, queues and schedules of the templates locally")
    port = int(os.environ.get("BACKLOT_PORT") or 3000)
    dev.add_argument("--port", type=int, default=port, help=f"HTTP port (default BACKLOT_PORT or 3000, now {port}; 0 picks a free one)")
    dev.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    dev.add_argument("--env-vars", help="JSON file of environment overrides, as sam local --env-vars takes")
    max_workers = int(_env_number("BACKLOT_MAX_WORKERS", DEFAULT_MAX_WORKERS))
    dev.add_argument(
        "--max-workers", type=_positive(int), default=max_workers,
        help=f"most warm execution environments across all functions (default BACKLOT_MAX_WORKERS or {DEFAULT_MAX_WORKERS}, now {max_workers})",
    )
    idle = _env_number("BACKLOT_WORKER_IDLE_S", DEFAULT_IDLE_TIMEOUT_S, float)
    dev.add_argument(
        "--idle-timeout", type=_positive(float), default=idle, metavar="SECONDS",
        help=f"stop an execution environment idle this long (default BACKLOT_WORKER_IDLE_S or {DEFAULT_IDLE_TIMEOUT_S:g}, now {idle:g})",
    )
    dev.set_defaults(run=cmd_dev)

    invoke = commands.add_parser("invoke", help="invoke one function in-process, like sam local invoke")
    invoke.add_argument("function", help="Stack/LogicalId (e.g. FamilyStack/MediaProcessorFunction) or an unambiguous LogicalId")
    invoke.add_argument("-e", "--event", help="event JSON file ('-' reads stdin; default {})")
    invoke.add_argument("--env-vars", help="JSON file of environment overrides, as sam local --env-vars takes")
    invoke.set_defaults(run=cmd_invoke)

    token = commands.add_parser("token", help="print a development bearer JWT for USER")
    token.add_argument("user", help="the subject: a UUID, or any name (mapped to a stable UUID 5 by the platform)")
    token.add_argument("--group", action="append", default=[], help="a cognito:groups entry (repeatable)")
    token.add_argument("--email", help="the email claim")
    token.add_argument("--ttl", type=int, default=3600, help="seconds until the token expires (default 3600)")
    token.set_defaults(run=cmd_token)

    user_id = commands.add_parser("user-id", help="print the user id the platform gives USER")
    user_id.add_argument("user")
    user_id.set_defaults(run=cmd_user_id)

    migrate = commands.add_parser("migrate", help="apply the platform's and products' migrations")
    migrate.set_defaults(run=cmd_migrate)

    routes = commands.add_parser("routes", help="list the routes read from the templates")
    routes.set_defaults(run=cmd_routes)

    openapi = commands.add_parser("openapi", help="write openapi/<product>.json from the products' apps")
    openapi.add_argument("--check", action="store_true", help="only check that the committed documents match the apps")
    openapi.set_defaults(run=cmd_openapi)

    reset = commands.add_parser("reset", help="remove the local database and S3 objects together (backlot dev must not run)")
    reset.set_defaults(run=cmd_reset)
    return top


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``backlot`` console script."""
    args = parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except RootNotFound as exc:
        _err(f"backlot: {exc}")
        return 2
    except ModuleNotFoundError as exc:
        # the local runtime's own dependencies are the ``dev`` extra, not the Lambda runtime's
        _err(f"backlot: {exc}; the local runtime needs the package's dev extra: pip install -e '.[dev]' (make install does it)")
        return 2
    except KeyboardInterrupt:
        return 130
