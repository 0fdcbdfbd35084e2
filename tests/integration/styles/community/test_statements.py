"""No N+1 queries (design document 004, M6-Performance "Check for N+1 queries"; issue 13 item 5):
the SQL statements one list request sends are counted, for a page of 2 and a page of 20 of the
same list; the count must not grow with the page. Counted at psycopg's ``Cursor.execute`` (every
query of the code goes through it), the real call made each time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from tests.integration.styles.community.seed import image, member, model
from tests.support.clients import ApiClient


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every SQL statement sent while the test runs (the connection's idle check ``SELECT 1`` left out)."""
    sent: list[str] = []
    real = psycopg.Cursor.execute

    def counting(self, query, params=None, **kw):  # noqa: ANN001 - psycopg's own signature
        text = query if isinstance(query, str) else repr(query)
        if text.strip() != "SELECT 1":
            sent.append(text)
        return real(self, query, params, **kw)

    monkeypatch.setattr(psycopg.Cursor, "execute", counting)
    yield sent


def _count(api: ApiClient, statements: list[str], path: str, user: str, limit: int, **query: str) -> int:
    api.get(path, user=user, query={**query, "limit": str(limit)})   # warm: first sight, connection
    statements.clear()
    res = api.get(path, user=user, query={**query, "limit": str(limit)})
    assert res.status == 200, res.body
    assert len(res.body["data"]["items"]) == limit
    return len(statements)


def test_feed_model_list_comments_and_following_send_as_many_statements_for_20_items_as_for_2(
        api: ApiClient, statements: list[str]) -> None:
    viewer, viewer_id = member(api, "n1", groups=("artist",))
    owner, owner_id = member(api, "n1")
    now = datetime.now(UTC) + timedelta(hours=1)   # newest of the session: the first page is these
    styles = [model(viewer_id, tags=["n1", f"t{i}"]) for i in range(21)]
    pics = [image(owner_id, styles[i], visibility="public", created_at=now + timedelta(seconds=i)) for i in range(21)]
    for pic in pics[:5]:
        api.post(f"/api/images/{pic}/like", user=viewer)
    for i in range(21):
        api.post(f"/api/images/{pics[0]}/comments", {"content": f"c{i}"}, user=[viewer, owner][i % 2])
    for i in range(21):
        _, artist = member(api, "a")
        api.post(f"/api/artists/{artist}/follow", user=viewer)
    statements.clear()

    cases = [("/api/community/feed", {}), ("/api/community/feed", {"sort": "most_liked"}),
             (f"/api/images/{pics[0]}/comments", {}), ("/api/users/following", {}),
             ("/api/models/", {"artist_id": str(viewer_id)}), ("/api/models/", {"artist_id": str(viewer_id), "tags": "n1"})]
    for path, query in cases:
        small = _count(api, statements, path, viewer, 2, **query)
        large = _count(api, statements, path, viewer, 20, **query)
        assert small == large, (path, query, small, large, statements)
        assert 1 <= large <= 3, (path, statements)
