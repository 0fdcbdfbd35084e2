"""The styles product's local GPU provider under ``backlot dev`` (issue 12 item 5).

``start`` runs ``styles.provider.local_server`` (Replicate's API shapes, trains in seconds, renders
real PNGs, calls back with signed webhooks) on a free loopback port, in this process, with its
files in ``<state>/provider``, and returns the environment that points the styles functions at it:
``PROVIDER_BASE_URL``, ``PROVIDER_API_TOKEN``, ``PROVIDER_WEBHOOK_SECRET`` (the provider's signing
secret), ``PUBLIC_API_URL`` (this server's ``/styles``, where the webhooks come back) and
``INTERNAL_API_TOKEN`` (the status webhooks' token, also written to ``<state>/styles-internal-token``
for a developer playing the worker). :func:`apply` gives it to every function of the styles stack,
except what ``--env-vars`` already sets for that function. Without the styles product it does
nothing.
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

STACK_PREFIX = "StylesStack/"


def start(root: Path, state: Path, api_port: int, log: Callable[[str], None]) -> tuple[Any, dict[str, str]] | None:
    """Start the provider; returns ``(server, environment)``, or None without the styles product."""
    package_dir = root / "functions" / "styles"
    if not (package_dir / "styles" / "provider" / "local_server.py").is_file():
        return None
    if str(package_dir) not in sys.path:
        sys.path.append(str(package_dir))
    from styles.provider.local_server import LocalProvider, serve

    provider = LocalProvider(state / "provider")
    server = serve(provider)
    token_file = state / "styles-internal-token"
    if not token_file.exists():
        token_file.write_text(secrets.token_urlsafe(32))
        token_file.chmod(0o600)
    env = {
        "PROVIDER_BASE_URL": provider.base_url,
        "PROVIDER_API_TOKEN": "r8_local",
        "PROVIDER_WEBHOOK_SECRET": provider.secret,
        "PUBLIC_API_URL": f"http://127.0.0.1:{api_port}/styles",
        "INTERNAL_API_TOKEN": token_file.read_text().strip(),
    }
    log(f"[styles] local GPU provider on {provider.base_url} (trains in {provider.train_seconds:g} s; "
        f"a prompt with {provider.fail_marker!r} fails); internal token in {token_file}")
    return server, env


def apply(app: Any, env: dict[str, str], env_vars: dict[str, dict[str, str]]) -> None:
    """Give ``env`` to the styles functions, under what ``--env-vars`` sets for each."""
    for function in app.functions:
        if not function.id.startswith(STACK_PREFIX):
            continue
        given = set()
        for key in ("Parameters", function.logical_id, function.id):
            given |= set(env_vars.get(key) or {})
        function.environment.update({k: v for k, v in env.items() if k not in given})


def stop(server: Any) -> None:
    """Stop the provider's HTTP server."""
    server.shutdown()
    server.server_close()
