"""Transactions belong to the service (STYLE.md, "One endpoint, end to end"; issue 9 item 7):
repositories never open a connection or a transaction (every function that runs SQL takes the
service's ``conn`` first), and no S3, SQS or secret call runs inside a ``with db.transaction()``
block of music's and movies' services. Static checks over the source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "functions"
REPOSITORIES = [ROOT / "family/family/repository.py", ROOT / "music/music/repository.py", ROOT / "movies/movies/repository.py"]
SERVICES = [ROOT / "music/music/service.py", ROOT / "music/music/audio/service.py", ROOT / "movies/movies/service.py"]
#: calls that leave the database: modules (``storage.put_bytes``) and functions known to call AWS
AWS_MODULES = {"storage", "boto3"}
AWS_FUNCTIONS = {"_sqs", "enqueue_enrichment", "_delete_quietly", "enrichment_plan", "tmdb_client", "presigned_post"}


def _is_transaction(item: ast.withitem) -> bool:
    call = item.context_expr
    return (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "transaction"
            and isinstance(call.func.value, ast.Name) and call.func.value.id == "db")


#: calls that open (or fetch the shared) connection: ``db.connection()``, ``db.transaction()``,
#: ``db.connect()``, ``db.insert()`` (which runs on the shared connection), ``psycopg.connect()``
OPENERS = {("db", "connection"), ("db", "transaction"), ("db", "connect"), ("db", "insert"), ("psycopg", "connect")}
#: what running SQL looks like: a method of the connection or of one of its cursors
SQL_METHODS = {"execute", "executemany", "cursor", "copy", "transaction"}


def repository_violations(source: str) -> list[str]:
    """Each place where a repository module opens a connection, or a function runs SQL on a
    connection it was not given (its first parameter must be ``conn``). ``[]`` when clean."""
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
            if (node.func.value.id, node.func.attr) in OPENERS:
                found.append(f"line {node.lineno}: {node.func.value.id}.{node.func.attr}() opens a connection")
    for fn in tree.body:
        if not isinstance(fn, ast.FunctionDef):
            continue
        params = [a.arg for a in fn.args.posonlyargs + fn.args.args]
        runs_sql = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in SQL_METHODS
                       for n in ast.walk(fn))
        if runs_sql and params[:1] != ["conn"]:
            found.append(f"line {fn.lineno}: {fn.name}() runs SQL but does not take conn first")
    return found


@pytest.mark.parametrize("path", REPOSITORIES, ids=lambda p: p.parent.name)
def test_repositories_take_the_connection_and_never_open_one(path: Path) -> None:
    assert repository_violations(path.read_text()) == [], f"{path}: the service opens the connection and passes conn"


@pytest.mark.parametrize("source", [
    "from backlot import db\ndef get(song_id):\n    return db.connection().execute('SELECT 1').fetchone()\n",
    "from backlot import db\ndef put(conn, x):\n    with db.transaction() as c:\n        c.execute('SELECT 1')\n",
    "from backlot import db\ndef add(conn, v):\n    return db.insert('music.songs', v)\n",
    "import psycopg\ndef raw(x):\n    with psycopg.connect('') as c:\n        return c.execute('SELECT 1')\n",
    "def sneaky(x, conn):\n    return conn.execute('SELECT 1')\n",
], ids=["db.connection", "db.transaction", "db.insert", "psycopg.connect", "conn-not-first"])
def test_the_check_catches_a_repository_that_opens_its_own(source: str) -> None:
    assert repository_violations(source), "the check must fail a repository function that opens its own connection"


def test_the_check_passes_a_function_that_takes_conn() -> None:
    ok = "def get(conn, song_id):\n    return conn.execute('SELECT 1', (song_id,)).fetchone()\n"
    assert repository_violations(ok) == []


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: f"{p.parents[1].name}/{p.parent.name}/{p.name}")
def test_no_aws_call_inside_a_transaction(path: Path) -> None:
    tree = ast.parse(path.read_text())
    bad = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.With) and any(_is_transaction(i) for i in node.items)):
            continue
        for inner in ast.walk(ast.Module(body=node.body, type_ignores=[])):
            if not isinstance(inner, ast.Call):
                continue
            func = inner.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in AWS_MODULES:
                bad.append((inner.lineno, f"{func.value.id}.{func.attr}"))
            elif isinstance(func, ast.Name) and func.id in AWS_FUNCTIONS:
                bad.append((inner.lineno, func.id))
    assert bad == [], f"{path}: AWS calls inside a database transaction: {bad}"
