"""Family's documented errors say when they happen (issue 9 leftovers): every 4xx a route's logic
answers (400, 403, 404, 409, 413, 415) is described by the codes it carries, each a member of
``family.errors.Code``, not by the bare status phrase ("Not Found"). 401 (the authorizer's own
refusal) and 422 (request validation) are the platform's, documented once for every route."""

from __future__ import annotations

import json
import re
from http import HTTPStatus
from pathlib import Path

import pytest

DOCUMENT = Path(__file__).resolve().parents[2] / "openapi" / "family.json"
LOGIC_STATUSES = {"400", "403", "404", "409", "413", "415"}


def _responses() -> list[tuple[str, str, str]]:
    doc = json.loads(DOCUMENT.read_text())
    return [(f"{method.upper()} {path}", status, response["description"])
            for path, operations in doc["paths"].items() for method, operation in operations.items()
            for status, response in operation["responses"].items() if status in LOGIC_STATUSES]


def test_there_are_errors_to_check() -> None:
    assert len(_responses()) > 40


@pytest.mark.parametrize(("operation", "status", "description"), _responses(), ids=lambda v: str(v)[:60])
def test_each_error_names_the_codes_it_carries(operation: str, status: str, description: str) -> None:
    from family.errors import Code

    assert description != HTTPStatus(int(status)).phrase, f"{operation} {status}: a bare status phrase"
    named = re.findall(r"`([a-z_]+)`", description)
    codes = [n for n in named if n in set(Code)]
    assert codes, f"{operation} {status}: {description!r} names no code of family.errors.Code"
