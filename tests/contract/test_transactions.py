"""Transactions belong to the service (STYLE.md, "One endpoint, end to end"; issue 9 item 7):
music's and movies' repositories never open one, and no S3, SQS or secret call runs inside a
``with db.transaction()`` block of their services. Static checks over the source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "functions"
REPOSITORIES = [ROOT / "music/music/repository.py", ROOT / "movies/movies/repository.py"]
SERVICES = [ROOT / "music/music/service.py", ROOT / "music/music/audio/service.py", ROOT / "movies/movies/service.py"]
#: calls that leave the database: modules (``storage.put_bytes``) and functions known to call AWS
AWS_MODULES = {"storage", "boto3"}
AWS_FUNCTIONS = {"_sqs", "enqueue_enrichment", "_delete_quietly", "enrichment_plan", "tmdb_client", "presigned_post"}


def _is_transaction(item: ast.withitem) -> bool:
    call = item.context_expr
    return (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "transaction"
            and isinstance(call.func.value, ast.Name) and call.func.value.id == "db")


@pytest.mark.parametrize("path", REPOSITORIES, ids=lambda p: p.parent.name)
def test_repositories_open_no_transaction(path: Path) -> None:
    tree = ast.parse(path.read_text())
    opened = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.With) and any(_is_transaction(i) for i in n.items)]
    assert opened == [], f"{path}: db.transaction() at lines {opened}; the service opens it and passes conn"


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
