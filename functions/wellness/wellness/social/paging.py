"""Keyset conditions with named parameters: the social queries bind ``%(me)s`` by name, while
``backlot.pagination.keyset_sql`` answers positional ``%s`` placeholders."""

from __future__ import annotations

from typing import Any

from backlot.pagination import Keyset, keyset_sql


def named_keyset(at_column: str, id_column: str, key: Keyset | None, *, descending: bool = False
                 ) -> tuple[str, str, dict[str, Any]]:
    """``(condition, order by, parameters)`` as :func:`backlot.pagination.keyset_sql` says, its
    placeholders named ``%(k0)s``, ``%(k1)s``."""
    cond, order, params = keyset_sql(at_column, id_column, key, descending=descending)
    names = {f"k{i}": value for i, value in enumerate(params)}
    if names:
        cond = cond.replace("%s", "%({})s").format(*names)
    return cond, order, names
