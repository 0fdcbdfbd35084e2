"""``pip install`` of the package gives a ``backlot`` that runs: the console script resolves, runs
``--help`` and ``routes`` from the installed venv, and every third-party module the local runtime
imports is declared (directly) by the package's core or ``dev`` dependencies — ``samtranslator``
once came only through the ``sam`` extra, and ``backlot`` crashed without it."""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import backlot_local

from .conftest import FIXTURES, REPO_ROOT

PACKAGE = Path(backlot_local.__file__).resolve().parent
OURS = {"backlot", "backlot_local", "family", "music", "movies", "wellness", "styles"}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def imported_modules() -> set[str]:
    """Top-level third-party modules imported anywhere in backlot_local (at module level or inside functions)."""
    modules: set[str] = set()
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return {m for m in modules if m not in sys.stdlib_module_names and m not in OURS}


def declared() -> set[str]:
    """Distribution names in pyproject's core and ``dev`` dependencies."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    lines = project["dependencies"] + project["optional-dependencies"]["dev"]
    return {_normalise(re.split(r"[\[<>=!~; ]", line, maxsplit=1)[0]) for line in lines}


def test_every_module_the_local_runtime_imports_is_declared() -> None:
    providers = importlib.metadata.packages_distributions()
    wanted = declared()
    missing = {}
    for module in sorted(imported_modules()):
        distributions = {_normalise(d) for d in providers.get(module, [module])}
        if module in ("botocore",):
            distributions.add("boto3")  # botocore is boto3's own half, pinned by it
        if not distributions & wanted:
            missing[module] = sorted(distributions)
    assert not missing, f"imported by backlot_local but not in pyproject's dependencies or dev extra: {missing}"
    assert "samtranslator" in imported_modules()  # the test looks at what it should


def test_the_console_script_resolves_to_the_cli() -> None:
    (entry,) = [e for e in importlib.metadata.entry_points(group="console_scripts") if e.name == "backlot"]
    assert entry.value == "backlot_local.cli:main"
    from backlot_local.cli import main

    assert entry.load() is main


def test_the_installed_backlot_runs() -> None:
    script = Path(sys.executable).parent / "backlot"
    assert script.is_file(), f"{script}: the venv has no backlot command (pip install -e '.[dev]')"
    env = {**os.environ, "BACKLOT_ROOT": str(FIXTURES)}
    helped = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60, env=env, cwd="/")
    assert helped.returncode == 0, helped.stderr
    assert "dev" in helped.stdout and "reset" in helped.stdout
    dev_help = subprocess.run([str(script), "dev", "--help"], capture_output=True, text=True, timeout=60, env=env, cwd="/")
    assert dev_help.returncode == 0 and "--max-workers" in dev_help.stdout and "--idle-timeout" in dev_help.stdout
    routes = subprocess.run([str(script), "routes"], capture_output=True, text=True, timeout=60, env=env, cwd="/")
    assert routes.returncode == 0, routes.stderr
    assert "/shop/health -> ShopStack/HealthFunction" in routes.stdout
