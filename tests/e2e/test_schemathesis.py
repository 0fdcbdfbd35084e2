"""A third-party client over every product's served OpenAPI document: schemathesis against
``backlot dev`` (issue 9, "a third-party client in CI").

For each product, the schema is loaded from ``/<product>/openapi.json`` as served (so what is
tested is what clients read), and every operation is run with :data:`MAX_EXAMPLES` generated
requests (positive data: what the schema says is valid; hypothesis ``derandomize``, so the same
requests every run; no shrinking, to bound the time). So that the requests reach the logic behind
the 404s, a few real resources are made first (a household with an experience, a moment and a
pending media item; a player and a song; a movies session) and every generated case names them
where it names an id of that kind (path, query or body), except for the operations that would
destroy them (``DELETE``, token and venue code rotation, revocation), which keep their random ids. Auth: a ``backlot token`` bearer for people
(an admin for music, so staff routes run their logic rather than answering 403), and a real
player's device token for music's ``/api/player/*`` routes. Each response must pass:

- ``not_a_server_error``: no 5xx;
- ``status_code_conformance``: the status is documented for the operation;
- ``content_type_conformance``: the Content-Type is the documented one (problem+json for errors);
- ``response_schema_conformance``: the body matches the documented schema.

Every failure is collected (not only the first per operation) and the test fails listing them; a
``SCHEMATHESIS`` line per product says how many operations and requests ran.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.e2e

MAX_EXAMPLES = 25
"""Generated requests per operation (95 operations: ~2,300 requests, about 2.5 minutes with the server start)."""


def _checks() -> list[Any]:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance, status_code_conformance

    return [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _player(url: str, admin_token: str) -> tuple[str, str]:
    """A real player: (id, device token)."""
    created = httpx.post(f"{url}/music/api/players/", json={"name": "Schemathesis Speaker"},
                         headers={"Authorization": f"Bearer {admin_token}"}, timeout=60)
    assert created.status_code == 201, created.text
    return created.json()["id"], created.json()["token"]


def _aim(case: Any, ids: dict[str, str]) -> Any:
    """Name the real resources (``ids``) in ``case`` wherever it names an id of their kind."""
    label = case.operation.label
    if case.operation.method.upper() == "DELETE" or label.endswith(("/token/", "/revoke/", "/venue-code/")):
        return case
    for name, value in ids.items():
        if name in (case.path_parameters or {}):
            case.path_parameters[name] = value
        if name in (case.query or {}):
            case.query[name] = value
        if isinstance(case.body, dict) and name in case.body and case.body[name] is not None:
            case.body[name] = value
    if isinstance(case.body, dict) and "media_ids" in case.body:
        case.body["media_ids"] = []
    if isinstance(case.body, dict) and "song_ids" in case.body and "song_id" in ids:
        case.body["song_ids"] = [ids["song_id"]]
    return case


def _family_ids(url: str, token: str, other: str) -> dict[str, str]:
    client = httpx.Client(base_url=f"{url}/family/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=60)
    me = client.get("/me/").json()["user_id"]
    # an invitation to the caller (from another user's household), for the invitation routes
    inviter = httpx.Client(base_url=f"{url}/family/api/v1", headers={"Authorization": f"Bearer {other}"}, timeout=60)
    elsewhere = inviter.post("/households/", json={"name": "Schemathesis neighbours"}).json()["id"]
    invited = inviter.post(f"/households/{elsewhere}/members/", json={"user_id": me})
    assert invited.status_code == 201, invited.text
    household = client.post("/households/", json={"name": "Schemathesis home", "time_zone": "Europe/Paris"}).json()["id"]
    experience = client.post("/experiences/", json={"household_id": household, "activity_name": "Park Picnic",
                                                    "start_at": "2024-01-15T14:00:00Z", "weather": "sunny"}).json()["id"]
    moment = client.post("/merry-moments/", json={"household_id": household, "title": "Picnic",
                                                  "occurred_at": "2024-01-15T15:00:00Z"}).json()["id"]
    media = client.post("/media/uploads/", json={"household_id": household, "content_type": "image/jpeg",
                                                 "size_bytes": 1000}).json()["media"]["id"]
    return {"household_id": household, "experience_id": experience, "moment_id": moment, "merry_moment_id": moment,
            "media_id": media, "invitation_id": invited.json()["id"], "user_id": me}


def _music_ids(url: str, admin: str, player_id: str) -> dict[str, str]:
    client = httpx.Client(base_url=f"{url}/music/api", headers={"Authorization": f"Bearer {admin}"}, timeout=60)
    song = client.post("/songs/", json={"title": "Schemathesis Song", "embedding": [0.5, 0.5, 0.5, 0.5, 0.5]}).json()["id"]
    venue = client.get(f"/players/{player_id}/").json()["venue_code"]
    assert venue, "the player shows no venue code"
    return {"player_id": player_id, "song_id": song, "code": venue}


def _movies_ids(url: str) -> dict[str, str]:
    csv = b"Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\r\n2024-01-02,Dune,2021,https://boxd.it/AAAA1,4.5,,,2024-01-01\r\n"
    started = httpx.post(f"{url}/movies/api/upload", files={"files": ("diary.csv", csv, "text/csv")}, timeout=60)
    assert started.status_code == 201, started.text
    return {"session_id": started.json()["session_id"]}


def _wellness_ids(url: str, token: str) -> dict[str, str]:
    client = httpx.Client(base_url=f"{url}/wellness/api", headers={"Authorization": f"Bearer {token}"}, timeout=60)
    devices = [client.post("/devices/", json={"name": f"Schemathesis {n}", "platform": "android"}).json()["id"] for n in (1, 2)]
    apps = [client.post("/apps/", json={"package_name": f"com.schemathesis.app{n}", "name": f"App {n}"}).json()["id"] for n in (1, 2)]
    device_app = client.post("/apps/device-apps/", json={"device_id": devices[0], "app_id": apps[0]}).json()["id"]
    relationship = client.post("/devices/relationships/", json={"device_a": devices[0], "device_b": devices[1],
                                                                "relationship_type": "rivals"}).json()["id"]
    # a challenge of the caller starting tomorrow (UTC), so join, leave and the leaderboard reach their logic
    challenge = client.post("/social/challenges/", json={"name": "Schemathesis", "challenge_type": "reduce_screen_time", "target": 180,
                                                         "start_date": time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400)),
                                                         "end_date": time.strftime("%Y-%m-%d", time.gmtime(time.time() + 30 * 86400))})
    return {"device_id": devices[0], "device_a": devices[0], "device_b": devices[1], "app_id": apps[0], "app_a": apps[0],
            "app_b": apps[1], "device_app_id": device_app, "relationship_id": relationship,
            "challenge_id": challenge.json()["id"]}


def _run_product(url: str, product: str, headers_for: Any, ids: dict[str, str]) -> tuple[int, int, list[str]]:
    """Run every operation of ``product``; returns (operations, requests, failures)."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings

    schema = schemathesis.openapi.from_url(f"{url}/{product}/openapi.json", timeout=60)
    checks = _checks()
    operations, requests, failures = 0, 0, []
    counted = [0]

    def runner(operation: Any, headers: dict[str, str]) -> Any:
        @settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy().map(lambda case: _aim(case, ids)))
        def run(case: Any) -> None:
            counted[0] += 1
            try:
                case.call_and_validate(base_url=f"{url}/{product}", headers=headers, checks=checks, timeout=60)
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - schemathesis raises a FailureGroup; collect them all
                failures.append(f"{operation.label}: {type(exc).__name__}: {str(exc)[:1500]}")

        return run

    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        runner(operation, headers_for(operation))()
    requests = counted[0]
    return operations, requests, failures


def test_schemathesis_finds_no_disagreement(dev_server: Any) -> None:
    people = dev_server.token("schemathesis-person")
    admin = dev_server.token("schemathesis-admin", groups=["admin"])
    player_id, player = _player(dev_server.url, admin)
    inviter = dev_server.token("schemathesis-inviter")
    ids = {"family": _family_ids(dev_server.url, people, inviter), "music": _music_ids(dev_server.url, admin, player_id),
           "movies": _movies_ids(dev_server.url), "styles": {}}
    wellness_person = dev_server.token("schemathesis-wellness")
    ids["wellness"] = _wellness_ids(dev_server.url, wellness_person)
    wellness_leaver = dev_server.token("schemathesis-wellness-leaver")

    def family_headers(operation: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {people}"}

    def music_headers(operation: Any) -> dict[str, str]:
        token = player if operation.path.startswith("/api/player/") else admin
        return {"Authorization": f"Bearer {token}"}

    def movies_headers(operation: Any) -> dict[str, str]:
        return {}

    def wellness_headers(operation: Any) -> dict[str, str]:
        # account deletion would wipe the resources the other operations are aimed at
        leaving = operation.method.upper() == "DELETE" and operation.path == "/api/accounts/users/me/"
        return {"Authorization": f"Bearer {wellness_leaver if leaving else wellness_person}"}

    def styles_headers(operation: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {people}"}  # harmless on its open routes (health, sign-in)

    report, all_failures = [], []
    for product, headers_for in (("family", family_headers), ("music", music_headers), ("movies", movies_headers),
                                 ("wellness", wellness_headers), ("styles", styles_headers)):
        page = httpx.get(f"{dev_server.url}/{product}/docs", timeout=60)  # the interactive docs, served by backlot dev
        assert page.status_code == 200 and "swagger-ui" in page.text and f"/{product}/openapi.json" in page.text
        started = time.monotonic()
        operations, requests, failures = _run_product(dev_server.url, product, headers_for, ids[product])
        seconds = time.monotonic() - started
        line = f"SCHEMATHESIS product={product} operations={operations} requests={requests} failures={len(failures)} seconds={seconds:.0f}"
        print(line)
        report.append(line)
        all_failures += failures
    assert not all_failures, "\n".join(report) + f"\n{len(all_failures)} failures:\n" + "\n\n".join(all_failures[:60])
