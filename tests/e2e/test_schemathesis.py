"""A third-party client over every product's served OpenAPI document: schemathesis against
``backlot dev`` (issue 9, "a third-party client in CI").

For each product, the schema is loaded from ``/<product>/openapi.json`` as served (so what is
tested is what clients read), and every operation is run with :data:`MAX_EXAMPLES` generated
requests of positive data (what the schema says is valid), then :data:`NEGATIVE_EXAMPLES` of
negative data (a parameter or the body breaks the schema), except the operations listed with
their reason in :data:`NO_NEGATIVE_DATA` (hypothesis ``derandomize``, so the same requests every
run; no shrinking, to bound the time). So that the requests reach the logic behind
the 404s, a few real resources are made first (a household with an experience, a moment and a
pending media item; a player and a song; a movies session) and every generated case names them
where it names an id of that kind (path, query or body), except for the operations that would
destroy them (``DELETE``, token and venue code rotation, revocation), which keep their random ids. Auth: a ``backlot token`` bearer for people
(an admin for music, so staff routes run their logic rather than answering 403), and a real
player's device token for music's ``/api/player/*`` routes. Each response must pass:

- ``not_a_server_error``: no 5xx;
- ``status_code_conformance``: the status is documented for the operation;
- ``content_type_conformance``: the Content-Type is the documented one (problem+json for errors);
- ``response_schema_conformance``: the body matches the documented schema;
- ``negative_data_rejection`` (negative data only): the request is refused with a 4xx
  (schemathesis' default list: 400, 401, 403, 404, 405, 406, 409, 415, 422, 428, 429); the parts
  of a negative case that hold invalid data are never aimed at the real resources (``_aim``), and
  a case whose invalid part is its Authorization header is sent without our token.

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
"""Generated requests with valid data per operation."""
NEGATIVE_EXAMPLES = 25
"""Generated requests with invalid data per operation (the ``negative_data_rejection`` check: each
must be refused with a 4xx). Fewer than the valid ones: most are refused by request validation
before any logic runs."""
_NOTHING_TO_BREAK = ("no path, query or body parameter and no header it reads but Authorization (checked by "
                     "the gateway's authorizer before the function): no request to it carries invalid data, and "
                     "hypothesis reports Unsatisfiable")
_PUBLIC_WITHOUT_INPUT = ("a public route (no authorizer) with no path, query, header or body parameter: no request "
                         "to it carries invalid data, and hypothesis reports Unsatisfiable")
NO_NEGATIVE_DATA: dict[tuple[str, str], str] = {
    ("music", "GET /api/me/"): _NOTHING_TO_BREAK,
    ("music", "GET /api/sessions/current/"): _NOTHING_TO_BREAK,
    ("music", "DELETE /api/sessions/current/"): _NOTHING_TO_BREAK,
    ("styles", "GET /api/health"): _PUBLIC_WITHOUT_INPUT,
    ("styles", "GET /api/auth/google/login"): _PUBLIC_WITHOUT_INPUT,
}
"""Operations not run with invalid data (``negative_data_rejection`` excluded), each with the
reason, by ``(product, operation.label)``. Any other operation for which no invalid request can
be generated fails the test until it is listed here."""


def _checks(negative: bool) -> list[Any]:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        negative_data_rejection,
        response_schema_conformance,
        status_code_conformance,
    )

    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    return checks + [negative_data_rejection] if negative else checks


def _player(url: str, admin_token: str) -> tuple[str, str]:
    """A real player: (id, device token)."""
    created = httpx.post(f"{url}/music/api/players/", json={"name": "Schemathesis Speaker"},
                         headers={"Authorization": f"Bearer {admin_token}"}, timeout=60)
    assert created.status_code == 201, created.text
    return created.json()["id"], created.json()["token"]


def _positive(case: Any, location: str) -> bool:
    """Whether ``case``'s ``location`` (``path``, ``query``, ``body``) was generated as valid data:
    a negative case's invalid part is never replaced (that would make it valid and turn
    ``negative_data_rejection`` into a false alarm)."""
    from schemathesis.core.parameters import ParameterLocation

    component = (case.meta.components if case.meta else {}).get(ParameterLocation(location))
    return component is None or not component.mode.is_negative


def _aim(case: Any, ids: dict[str, str]) -> Any:
    """Name the real resources (``ids``) in ``case`` wherever it names an id of their kind, in the
    parts of the case that hold valid data (see :func:`_positive`)."""
    label = case.operation.label
    if case.operation.method.upper() == "DELETE" or label.endswith(("/token/", "/revoke/", "/venue-code/")):
        return case
    path, query, body = (_positive(case, where) for where in ("path", "query", "body"))
    body = body and isinstance(case.body, dict)
    for name, value in ids.items():
        if path and name in (case.path_parameters or {}):
            case.path_parameters[name] = value
        if query and name in (case.query or {}):
            case.query[name] = value
        if body and name in case.body and case.body[name] is not None:
            case.body[name] = value
    if body and "media_ids" in case.body:
        case.body["media_ids"] = []
    if body and "song_ids" in case.body and "song_id" in ids:
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
    """Run every operation of ``product``, with valid then invalid data; returns (operations,
    requests, failures)."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode

    schema = schemathesis.openapi.from_url(f"{url}/{product}/openapi.json", timeout=60)
    operations, requests, failures = 0, 0, []
    counted = [0]

    def runner(operation: Any, headers: dict[str, str], mode: Any) -> Any:
        checks = _checks(mode.is_negative)
        examples = NEGATIVE_EXAMPLES if mode.is_negative else MAX_EXAMPLES

        @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode).map(lambda case: _aim(case, ids)))
        def run(case: Any) -> None:
            counted[0] += 1
            # A negative case whose invalid part is the header (Authorization missing or malformed)
            # is sent as generated: adding our token would make it valid (the gateway answers 401).
            sent = headers if _positive(case, "header") else {}
            try:
                case.call_and_validate(base_url=f"{url}/{product}", headers=sent, checks=checks, timeout=60)
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - schemathesis raises a FailureGroup; collect them all
                failures.append(f"{operation.label} [{mode.value}]: {type(exc).__name__}: {str(exc)[:1500]}")

        return run

    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if mode.is_negative and (product, operation.label) in NO_NEGATIVE_DATA:
                continue
            try:
                runner(operation, headers_for(operation), mode)()
            except Unsatisfiable:
                # nothing of the request can be invalid (no parameter, no body): nothing to reject
                failures.append(f"{operation.label} [{mode.value}]: no invalid request can be made; "
                                "list it in NO_NEGATIVE_DATA with the reason")
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
        assert "cdn" not in page.text.lower()  # its script and style come from backlot dev itself (works offline)
        for asset, content_type in (("swagger-ui-bundle.js", "text/javascript"), ("swagger-ui.css", "text/css")):
            served = httpx.get(f"{dev_server.url}/{product}/docs/{asset}", timeout=60)
            assert served.status_code == 200 and served.headers["content-type"].startswith(content_type), asset
        started = time.monotonic()
        operations, requests, failures = _run_product(dev_server.url, product, headers_for, ids[product])
        seconds = time.monotonic() - started
        line = f"SCHEMATHESIS product={product} operations={operations} requests={requests} failures={len(failures)} seconds={seconds:.0f}"
        print(line)
        report.append(line)
        all_failures += failures
    assert not all_failures, "\n".join(report) + f"\n{len(all_failures)} failures:\n" + "\n\n".join(all_failures[:60])
