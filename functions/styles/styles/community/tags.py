"""Tags (design document 004, M2-Tag-API): the 20 most used, prefix autocomplete, one tag.

Inactive tags and tags no style model uses (``usage_count = 0``) are left out ("Test exclude
inactive and unused tags"). ``search`` is a case-insensitive PREFIX match ("Autocomplete search",
``?search=water`` finds ``Watercolor``): ``%``, ``_`` and ``\\`` in it are matched literally (escaped
for ``LIKE``), and it is at most 50 characters, a tag name's longest (a longer one can match
nothing: 400 naming ``search``).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from backlot import db
from backlot.errors import BadRequest, NotFound

from styles.errors import Code

TOP = 20
SEARCH_MAX_CHARS = 50


def like_prefix(text: str) -> str:
    """``text`` as a ``LIKE`` prefix pattern with ``ESCAPE '\\'``: ``\\``, ``%``, ``_`` taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def list_tags(search: str | None) -> list[dict[str, Any]]:
    """At most 20 active, used tags, most used first (ties by name); with ``search``, those whose
    name starts with it (case-insensitive).

    Raises:
        BadRequest: (400 ``validation_error``, field ``search``) longer than 50 characters or with NUL.
    """
    query = "SELECT id, name, usage_count FROM styles.tags WHERE is_active AND usage_count > 0"
    params: dict[str, Any] = {"top": TOP}
    if search is not None and search.strip():
        text = search.strip()
        if len(text) > SEARCH_MAX_CHARS or "\x00" in text:
            raise BadRequest(f"search: at most {SEARCH_MAX_CHARS} characters, no NUL",
                             fields=[{"field": "search", "message": f"at most {SEARCH_MAX_CHARS} characters, no NUL"}])
        query += " AND lower(name) LIKE lower(%(prefix)s) ESCAPE '\\'"
        params["prefix"] = like_prefix(text)
    with db.transaction() as conn:
        return conn.execute(query + " ORDER BY usage_count DESC, lower(name), id LIMIT %(top)s", params).fetchall()


def get_tag(tag_id: UUID) -> dict[str, Any]:
    """One active tag.

    Raises:
        NotFound: (404 ``tag_not_found``) absent or inactive.
    """
    with db.transaction() as conn:
        row = conn.execute("SELECT id, name, usage_count FROM styles.tags WHERE id = %s AND is_active",
                           (tag_id,)).fetchone()
    if row is None:
        raise NotFound(f"tag {tag_id} not found", code=Code.tag_not_found)
    return row
