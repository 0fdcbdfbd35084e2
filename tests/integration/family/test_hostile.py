"""Hostile requests through the family Lambda handler (real API Gateway v2 events, real PostgreSQL):
every one is answered with a 4xx in the family error shape, and the household's rows are unchanged
after each. Plus the authorization, idempotency and concurrency cases around them.

Times: the API takes only ISO 8601 instants *with* a UTC offset (ARCHITECTURE.md), from
1900-01-01 to 2999-12-31 UTC; a naive time is a 400, not a guess at a time zone.
"""

from __future__ import annotations

import json
import random
import threading
import uuid
from typing import Any

import boto3
import psycopg
import pytest

from tests.integration.family.conftest import UPLOADS, FamilyApi, MediaQueue, new_user
from tests.integration.family.test_media import tiny_jpeg
from tests.support.apigw import LambdaContext, http_event
from tests.support.clients import Response

pytestmark = pytest.mark.integration

# ---------------------------------------------------------------- the household under attack
TABLES = (
    ("family.households", "id"),
    ("family.household_members", "household_id"),
    ("family.experiences", "household_id"),
    ("family.experience_reviews", "household_id"),
    ("family.merry_moments", "household_id"),
    ("family.media_items", "household_id"),
    ("family.activity_weights", "household_id"),
)


class Snapshot:
    """Every row of one household, as text, and how many households its owner belongs to."""

    def __init__(self, database_url: str, household: str, owner_id: str):
        self.conn = psycopg.connect(database_url, autocommit=True)
        self.household, self.owner_id = household, owner_id

    def take(self) -> dict[str, Any]:
        out = {}
        for table, column in TABLES:
            out[table] = self.conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM {table} x WHERE {column} = %s",
                (self.household,),
            ).fetchone()
        out["owner_households"] = self.conn.execute(
            "SELECT count(*) FROM family.household_members WHERE user_id = %s", (self.owner_id,)
        ).fetchone()
        return out


@pytest.fixture()
def world(api: FamilyApi, database_url: str) -> dict[str, Any]:
    alice, bob = new_user(), new_user()
    home = api.household(alice, "Alice home")
    api.join(home, alice, bob)
    exp = api.post("/api/v1/experiences/", {"household_id": home, "activity_name": "Museum Visit", "weather": "rainy",
                                            "start_at": "2024-01-13T14:00:00-08:00", "end_at": "2024-01-13T16:00:00-08:00",
                                            "participant_ids": [api.user_id(alice), api.user_id(bob)], "tags": ["indoor"]},
                   user=alice).body
    reviewed = api.post("/api/v1/experiences/", {"household_id": home, "activity_name": "Bowling"}, user=alice).body
    assert api.post(f"/api/v1/experiences/{reviewed['id']}/reviews/", {"household_id": home, "rating": 4}, user=alice).status == 201
    moment = api.post("/api/v1/merry-moments/", {"household_id": home, "title": "Museum", "occurred_at": "2024-01-13T15:00:00-08:00"},
                      user=alice).body
    media = api.upload(tiny_jpeg(), home, user=alice).body
    snap = Snapshot(database_url, home, api.user_id(alice))
    yield {"alice": alice, "bob": bob, "home": home, "exp": exp["id"], "moment": moment["id"], "media": media["id"], "snap": snap}
    snap.conn.close()


def error_shape_problems(res: Response) -> list[str]:
    problems = []
    if not 400 <= res.status < 500:
        problems.append(f"status {res.status}")
    body = res.body
    if res.headers.get("content-type") != "application/problem+json":
        problems.append(f"content type {res.headers.get('content-type')}, not application/problem+json")
    if (not isinstance(body, dict) or not isinstance(body.get("detail"), str) or not isinstance(body.get("code"), str)
            or body.get("status") != res.status):
        problems.append(f"not the problem shape (RFC 9457): {str(body)[:200]}")
    elif "errors" in body and not (isinstance(body["errors"], list)
                                   and all(isinstance(f, dict) and {"field", "message"} <= f.keys() for f in body["errors"])):
        problems.append(f"bad errors: {body['errors']}")
    return problems


def raw_json(api: FamilyApi, method: str, path: str, payload: Any, user: str, *, query: dict | None = None) -> Response:
    """Send ``payload`` as JSON the way a careless client would: NaN and Infinity as bare tokens,
    lone surrogates escaped; bytes are sent as they are."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload, allow_nan=True).encode()
    return api.call(method, path, user=user, body=body, content_type="application/json", query=query)


def refused(api: FamilyApi, world: dict, cases: list[tuple[str, Any]]) -> list[str]:
    """Run ``(label, request)`` cases; each must be a 4xx in the family shape with nothing changed."""
    failures = []
    for label, send in cases:
        before = world["snap"].take()
        res = send()
        problems = error_shape_problems(res)
        if world["snap"].take() != before:
            problems.append("the household's rows changed")
        if problems:
            failures.append(f"{label}: {'; '.join(problems)} -> {str(res.body)[:160]}")
    return failures


def assert_refused(api: FamilyApi, world: dict, cases: list[tuple[str, Any]]) -> None:
    failures = refused(api, world, cases)
    assert not failures, f"{len(failures)} of {len(cases)} hostile requests mishandled:\n" + "\n".join(failures)


# ---------------------------------------------------------------- hostile values by field kind
NAN, INF = float("nan"), float("inf")
HUGE = "x" * 100_001
HOSTILE = {
    "text": ["a\x00b", "\x00", {"x": 1}, ["x"], HUGE, 12, True, "\ud800"],
    "name": ["", "   ", "a\x00b", HUGE, None, ["x"], "\ud800"],
    "ignored": ["a\x00b", {"x": 1}, ["x"], 12, "\ud800"],  # accepted for the document's clients, never stored
    "uuid": ["not-a-uuid", "\x00", "", 12, ["x"], {"a": 1}, str(uuid.uuid4()) + "\x00", "' OR 1=1 --", "../../etc/passwd"],
    "datetime": ["2024-01-15T14:00:00", "2024-01-15 14:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00",
                 "1899-12-31T23:59:59Z", "3000-01-01T00:00:00Z", "2024-13-01T00:00:00Z", "", "\x00", 1e20, -1e13,
                 "tomorrow", {"a": 1}, NAN, "2024-01-15T14:00:00\x00Z"],
    "lat": [NAN, INF, -INF, "NaN", "Infinity", 1e308, 90.0001, {}, [1], "\x00"],
    "lng": [NAN, INF, -INF, "-Infinity", 180.5, {}, "\x00"],
    "money": [NAN, INF, -INF, "NaN", -0.01, 1e308, 100_000_000, 99_999_999.5, {}, "\x00"],
    "rating": [0, 6, -1, 2**70, 4.5, "five", NAN, INF, None, [], "\x00"],
    "bool": ["maybe", 2, -1, {}, [], "\x00", None],
    "status": ["someday", "\x00", 1, "PLANNED ", [], None],
    "effort": ["painful", "\x00", 1, []],
    "weather": ["sideways", "\x00", 1, ["sunny"]],
    "text_list": ["abc", ["\x00"], ["a\x00b"], ["x"] * 51, [{"a": 1}], ["x" * 101], [None], {"a": "b"}, ["\ud800"]],
    "uuid_list": ["x", ["nope"], [str(uuid.uuid4())] * 101, [None], [""], ["\x00"], {"a": 1}],
    "tags": ["outdoor", ["Bad Tag"], ["\x00"], ["x"] * 21, [""], ["a" * 41], [None], ["outdoor\x00"]],
    "content_type": ["text/html", "image/jpeg\x00", "", "image/" + "x" * 200, None, 1, "IMAGE/JPEG"],
    "size": [0, -1, 2**70, "big", NAN, None, 1.5],
    "time_zone": ["Mars/Olympus", "", "America", "America/", "../../etc/passwd", "/etc/localtime", "localtime", "posixrules",
                  "zone.tab", "posix/Europe/Paris", "Europe/Paris\x00", "\x00", "\ud800", HUGE, 12, ["UTC"], {"a": 1}],
}


def field_cases(api: FamilyApi, method: str, path: str, base: dict, kinds: dict[str, str], user: str) -> list[tuple[str, Any]]:
    cases = []
    for field, kind in kinds.items():
        for value in HOSTILE[kind]:
            payload = base | {field: value}
            cases.append((f"{method} {path} {field}={str(value)[:40]!r}",
                          lambda p=payload: raw_json(api, method, path, p, user)))
    return cases


def body_cases(api: FamilyApi, method: str, path: str, base: dict, user: str) -> list[tuple[str, Any]]:
    """Whole-body hostility, whatever the route (an empty object is a valid PATCH, so not for PATCH)."""
    deep = b"[" * 100_000 + b"]" * 100_000
    bodies: list[tuple[str, Any]] = [
        ("empty", b""), ("truncated", b"{"), ("array", b"[]"), ("null", b"null"), ("string", b'"x"'), ("number", b"1"),
        ("not utf-8", b'{"x": "\xff\xfe"}'), ("nul byte", b"\x00"), ("deep", deep), ("huge int", b'{"x": ' + b"9" * 5000 + b"}"),
        ("unknown field", base | {"colour": "red"}), ("nul key", base | {"\x00": 1}), ("key with nul", base | {"title\x00": "x"}),
        ("NaN token", b'{"x": NaN}'),
    ] + ([("missing all", {})] if method != "PATCH" else [])
    return [(f"{method} {path} body {label}", lambda b=body: raw_json(api, method, path, b, user)) for label, body in bodies]


BAD_IDS = ["not-a-uuid", "%00", "%ff", "..%2F..%2Fsecrets", "1" * 1000, str(uuid.uuid4()) + "%00", "%ED%A0%80", "' OR 1=1 --"]
BAD_QUERY = ["\x00", "x" * 5000, "-1", "NaN", "1e309", "' OR 1=1 --", "%ff", "%ED%A0%80", "🎉"]


# ---------------------------------------------------------------- every route, hand-written hostility
def test_households_and_members_refuse_hostile_input(api: FamilyApi, world: dict) -> None:
    a, home = world["alice"], world["home"]
    alice_id = api.user_id(a)
    cases = field_cases(api, "POST", "/api/v1/households/", {"name": "x"}, {"name": "name", "time_zone": "time_zone"}, a)
    cases += body_cases(api, "POST", "/api/v1/households/", {"name": "x"}, a)
    cases += field_cases(api, "POST", f"/api/v1/households/{home}/members/", {"user_id": alice_id}, {"user_id": "uuid"}, a)
    cases += body_cases(api, "POST", f"/api/v1/households/{home}/members/", {"user_id": alice_id}, a)
    for bad in BAD_IDS:
        cases.append((f"add member to {bad}", lambda b=bad: api.post(f"/api/v1/households/{b}/members/", {"user_id": alice_id}, user=a)))
        cases.append((f"remove member {bad}", lambda b=bad: api.delete(f"/api/v1/households/{home}/members/{b}/", user=a)))
        cases.append((f"remove from {bad}", lambda b=bad: api.delete(f"/api/v1/households/{b}/members/{alice_id}/", user=a)))
    assert_refused(api, world, cases)


def test_experiences_refuse_hostile_input(api: FamilyApi, world: dict) -> None:
    a, home, exp = world["alice"], world["home"], world["exp"]
    kinds = {"household_id": "uuid", "activity_name": "text", "suggestion_id": "text", "participant_ids": "text_list",
             "start_at": "datetime", "end_at": "datetime", "place": "text", "place_address": "text", "place_lat": "lat",
             "place_lng": "lng", "status": "status", "prep_notes": "text", "needs_adult": "bool", "cost_estimate": "money",
             "weather": "weather", "tags": "tags", "created_by": "ignored"}
    base = {"household_id": home, "activity_name": "Picnic"}
    cases = field_cases(api, "POST", "/api/v1/experiences/", base, kinds, a)
    cases += body_cases(api, "POST", "/api/v1/experiences/", base, a)
    patch_kinds = {k: v for k, v in kinds.items() if k not in ("household_id", "suggestion_id", "created_by")}
    cases += field_cases(api, "PATCH", f"/api/v1/experiences/{exp}/", {}, patch_kinds, a)
    cases += body_cases(api, "PATCH", f"/api/v1/experiences/{exp}/", {}, a)
    cases += [
        ("naive end after aware start", lambda: api.patch(f"/api/v1/experiences/{exp}/", {"end_at": "2024-01-13T18:00:00"}, user=a)),
        ("end before stored start", lambda: api.patch(f"/api/v1/experiences/{exp}/", {"end_at": "2024-01-13T10:00:00Z"}, user=a)),
        ("mixed naive and aware", lambda: api.post("/api/v1/experiences/", base | {"start_at": "2024-01-15T14:00:00",
                                                                                  "end_at": "2024-01-15T15:00:00Z"}, user=a)),
        ("null tags", lambda: api.patch(f"/api/v1/experiences/{exp}/", {"tags": None}, user=a)),
        ("null participants", lambda: api.patch(f"/api/v1/experiences/{exp}/", {"participant_ids": None}, user=a)),
    ]
    for bad in BAD_IDS:
        for method in ("GET", "PATCH", "DELETE"):
            cases.append((f"{method} experience {bad}",
                          lambda b=bad, m=method: api.call(m, f"/api/v1/experiences/{b}/", user=a, json_body={} if m == "PATCH" else None)))
    for name in ("household_id", "status", "cursor", "limit"):
        for bad in BAD_QUERY + ["0", "201"]:
            cases.append((f"list experiences {name}={bad[:20]!r}",
                          lambda n=name, b=bad: api.get("/api/v1/experiences/", query={n: b}, user=a)))
    assert_refused(api, world, cases)


def test_reviews_refuse_hostile_input(api: FamilyApi, world: dict) -> None:
    a, home, exp = world["alice"], world["home"], world["exp"]
    path = f"/api/v1/experiences/{exp}/reviews/"
    kinds = {"household_id": "uuid", "experience_id": "uuid", "rating": "rating", "effort_felt": "effort",
             "cleanup_felt": "effort", "note": "text", "reviewed_by": "ignored"}
    base = {"household_id": home, "rating": 5}
    cases = field_cases(api, "POST", path, base, kinds, a)
    cases += body_cases(api, "POST", path, base, a)
    for bad in BAD_IDS:
        cases.append((f"review {bad}", lambda b=bad: api.post(f"/api/v1/experiences/{b}/reviews/", base, user=a)))
        cases.append((f"list reviews {bad}", lambda b=bad: api.get(f"/api/v1/experiences/{b}/reviews/", user=a)))
    for bad in BAD_QUERY:
        cases.append((f"list reviews cursor {bad[:20]!r}", lambda b=bad: api.get(path, query={"cursor": b}, user=a)))
    assert_refused(api, world, cases)


def test_merry_moments_refuse_hostile_input(api: FamilyApi, world: dict) -> None:
    a, home = world["alice"], world["home"]
    kinds = {"household_id": "uuid", "experience_id": "uuid", "title": "name", "description": "text",
             "participant_ids": "text_list", "occurred_at": "datetime", "place": "text", "media_ids": "uuid_list",
             "created_by": "ignored", "is_manual": "bool"}
    base = {"household_id": home, "title": "Park", "occurred_at": "2024-01-15T14:00:00Z"}
    cases = field_cases(api, "POST", "/api/v1/merry-moments/", base, kinds, a)
    cases += body_cases(api, "POST", "/api/v1/merry-moments/", base, a)
    for bad in BAD_IDS:
        cases.append((f"moment {bad}", lambda b=bad: api.get(f"/api/v1/merry-moments/{b}/", user=a)))
    for name in ("household_id", "cursor", "limit"):
        for bad in BAD_QUERY:
            cases.append((f"list moments {name}={bad[:20]!r}", lambda n=name, b=bad: api.get("/api/v1/merry-moments/", query={n: b}, user=a)))
    assert_refused(api, world, cases)


def test_media_and_suggestions_refuse_hostile_input(api: FamilyApi, world: dict) -> None:
    a, home = world["alice"], world["home"]
    kinds = {"household_id": "uuid", "content_type": "content_type", "size_bytes": "size", "merry_moment_id": "uuid",
             "experience_id": "uuid", "caption": "text"}
    base = {"household_id": home, "content_type": "image/jpeg", "size_bytes": 1000}
    cases = field_cases(api, "POST", "/api/v1/media/uploads/", base, kinds, a)
    cases += body_cases(api, "POST", "/api/v1/media/uploads/", base, a)
    for bad in BAD_IDS:
        cases.append((f"media {bad}", lambda b=bad: api.get(f"/api/v1/media/{b}/", user=a)))
        cases.append((f"delete media {bad}", lambda b=bad: api.delete(f"/api/v1/media/{b}/", user=a)))
    cases.append(("delete unknown media", lambda: api.delete(f"/api/v1/media/{uuid.uuid4()}/", user=a)))
    cases.append(("list media without household", lambda: api.get("/api/v1/media/", user=a)))
    for name, bad_values in {"household_id": BAD_QUERY, "merry_moment_id": BAD_QUERY, "experience_id": BAD_QUERY,
                             "status": BAD_QUERY + ["done", "READY", "ready\x00"], "cursor": BAD_QUERY,
                             "limit": BAD_QUERY + ["0", "201"]}.items():
        for bad in bad_values:
            query = {"household_id": home} | {name: bad}
            cases.append((f"list media {name}={bad[:20]!r}", lambda q=query: api.get("/api/v1/media/", query=q, user=a)))
    for name, bad_values in {"household_id": BAD_QUERY, "weather": BAD_QUERY + ["sunny\x00"], "time_of_day": BAD_QUERY,
                             "day_of_week": BAD_QUERY, "participant_count": BAD_QUERY + ["0", "101"], "limit": BAD_QUERY + ["0", "51"]}.items():
        for bad in bad_values:
            query = {"household_id": home} | {name: bad}
            cases.append((f"suggestions {name}={bad[:20]!r}", lambda q=query: api.get("/api/v1/suggestions/", query=q, user=a)))
    cases.append(("suggestions without household", lambda: api.get("/api/v1/suggestions/", user=a)))
    assert_refused(api, world, cases)


def raw_event(api: FamilyApi, method: str, path: str, raw_query: str, user: str) -> Response:
    """A request whose query string is sent byte for byte (invalid percent-encodings included)."""
    event = http_event(method, path, base_path=api.base_path, claims={"sub": user})
    event["rawQueryString"] = raw_query
    out = api.handler(event, LambdaContext())
    return Response(out["statusCode"], json.loads(out.get("body") or "null"), out.get("headers", {}))


def test_raw_query_strings_and_paths(api: FamilyApi, world: dict) -> None:
    a, home = world["alice"], world["home"]
    cases = []
    common = ["household_id=%ff%fe", "household_id=%00", "household_id=" + "%" * 50, f"household_id={home}&limit=%00",
              f"household_id={home}&limit=%EF%BC%91"]  # a full-width digit one
    for path, extra in (("/api/v1/experiences/", [f"household_id={home}&cursor=%ED%A0%80", f"household_id={home}&status=%00"]),
                        ("/api/v1/merry-moments/", [f"household_id={home}&cursor=%ff"]),
                        ("/api/v1/media/", [f"household_id={home}&cursor=%ED%A0%80", f"household_id={home}&status=%00",
                                            f"household_id={home}&experience_id=%ff"]),
                        ("/api/v1/suggestions/", [f"household_id={home}&weather=%E2%98%80",
                                                  f"household_id={home}&tags=" + "a," * 3000 + "&participant_count=%00"])):
        for raw in common + extra:
            cases.append((f"{path}?{raw[:60]}", lambda p=path, r=raw: raw_event(api, "GET", p, r, a)))
    assert_refused(api, world, cases)


def multipart(parts: list[tuple[bytes, bytes]], boundary: bytes = b"hostile") -> tuple[bytes, str]:
    """Hand-made multipart body: ``(headers, content)`` per part, so headers can be hostile too."""
    body = b"".join(b"--" + boundary + b"\r\n" + headers + b"\r\n\r\n" + content + b"\r\n" for headers, content in parts)
    return body + b"--" + boundary + b"--\r\n", f"multipart/form-data; boundary={boundary.decode()}"


def test_multipart_upload_refuses_hostile_input(api: FamilyApi, world: dict) -> None:
    a, home = world["alice"], world["home"]
    photo = tiny_jpeg()

    def field(name: str, value: bytes) -> tuple[bytes, bytes]:
        return b'Content-Disposition: form-data; name="' + name.encode() + b'"', value

    def file_part(data: bytes = photo, ctype: bytes = b"image/jpeg", filename: bytes = b"p.jpg") -> tuple[bytes, bytes]:
        return b'Content-Disposition: form-data; name="file"; filename="' + filename + b'"\r\nContent-Type: ' + ctype, data

    def send(parts: list[tuple[bytes, bytes]] | None = None, *, raw: bytes | None = None, ctype: str | None = None) -> Response:
        if parts is not None:
            raw, made = multipart(parts)
            ctype = ctype or made
        return api.call("POST", "/api/v1/media/upload/", user=a, body=raw, content_type=ctype)

    hh = home.encode()
    cases: list[tuple[str, Any]] = [
        ("caption with NUL", lambda: send([field("household_id", hh), field("caption", b"a\x00b"), file_part()])),
        ("caption too long", lambda: send([field("household_id", hh), field("caption", b"x" * 2001), file_part()])),
        ("household NUL", lambda: send([field("household_id", b"\x00"), file_part()])),
        ("household not a uuid", lambda: send([field("household_id", b"'; DROP TABLE family.households; --"), file_part()])),
        ("moment not a uuid", lambda: send([field("household_id", hh), field("merry_moment_id", b"x"), file_part()])),
        ("experience NUL", lambda: send([field("household_id", hh), field("experience_id", b"\x00"), file_part()])),
        ("unknown moment", lambda: send([field("household_id", hh), field("merry_moment_id", str(uuid.uuid4()).encode()), file_part()])),
        ("empty file", lambda: send([field("household_id", hh), file_part(b"")])),
        ("not an image", lambda: send([field("household_id", hh), file_part(b"%PDF-1.4\x00\x00")])),
        ("file as a plain field", lambda: send([field("household_id", hh), field("file", photo)])),
        ("no file", lambda: send([field("household_id", hh)])),
        ("no household", lambda: send([file_part()])),
        ("no boundary", lambda: send(raw=b"garbage", ctype="multipart/form-data")),
        ("wrong boundary", lambda: send(raw=multipart([field("household_id", hh), file_part()])[0], ctype="multipart/form-data; boundary=other")),
        ("truncated", lambda: send(raw=multipart([field("household_id", hh), file_part()])[0][:-40],
                                   ctype="multipart/form-data; boundary=hostile")),
        ("header without end", lambda: send(raw=b"--hostile\r\nContent-Disposition: form-data; name=\"file\"",
                                            ctype="multipart/form-data; boundary=hostile")),
        ("too many fields", lambda: send([field(f"f{i}", b"x") for i in range(1500)] + [field("household_id", hh), file_part()])),
        ("json instead", lambda: api.post("/api/v1/media/upload/", {"household_id": home}, user=a)),
        ("urlencoded instead", lambda: send(raw=f"household_id={home}".encode(), ctype="application/x-www-form-urlencoded")),
    ]
    assert_refused(api, world, cases)


def test_a_hostile_declared_type_is_not_stored(api: FamilyApi, world: dict) -> None:
    """The part's Content-Type is the client's word, never trusted: junk in it (NUL, control
    characters, hundreds of bytes) is dropped, and the photo is still taken by its bytes."""
    a, home = world["alice"], world["home"]
    for ctype in (b"image/jpeg\x00", b"image/" + b"x" * 300, b"\x01\x02"):
        body, content_type = multipart([(b'Content-Disposition: form-data; name="household_id"', home.encode()),
                                        (b'Content-Disposition: form-data; name="file"; filename="p.jpg"\r\nContent-Type: ' + ctype,
                                         tiny_jpeg())])
        res = api.call("POST", "/api/v1/media/upload/", user=a, body=body, content_type=content_type)
        assert res.status == 201, res.body
        assert res.body["declared_type"] is None and res.body["status"] == "pending"
    # a caption that is not UTF-8 is read as Latin-1 (Starlette's fallback): odd text, but text
    body, content_type = multipart([(b'Content-Disposition: form-data; name="household_id"', home.encode()),
                                    (b'Content-Disposition: form-data; name="caption"', b"caf\xe9"),
                                    (b'Content-Disposition: form-data; name="file"; filename="p.jpg"', tiny_jpeg())])
    res = api.call("POST", "/api/v1/media/upload/", user=a, body=body, content_type=content_type)
    assert res.status == 201 and res.body["caption"] == "café", res.body


def test_random_mutations_never_500(api: FamilyApi, world: dict) -> None:
    """A seeded fuzzer: valid bodies with one to three fields swapped for hostile values (any kind),
    extra fields, dropped fields. Nothing may be a 5xx; every refusal has the family shape and
    leaves the rows unchanged; and afterwards every read still works."""
    a, home, exp = world["alice"], world["home"], world["exp"]
    rng = random.Random(20240115)
    pool = [v for values in HOSTILE.values() for v in values] + [str(uuid.uuid4()), home, exp, "🎉" * 300, "ﷺ‮", 0, -0.0, 1e-320]
    routes = [
        ("POST", "/api/v1/households/", {"name": "x"}),
        ("POST", f"/api/v1/households/{home}/members/", {"user_id": api.user_id(world["bob"])}),
        ("POST", "/api/v1/experiences/", {"household_id": home, "activity_name": "Picnic", "start_at": "2024-01-15T14:00:00Z",
                                          "place_lat": 1.5, "cost_estimate": 2.5, "participant_ids": [api.user_id(a)], "tags": ["outdoor"]}),
        ("PATCH", f"/api/v1/experiences/{exp}/", {"status": "live", "start_at": "2024-01-13T14:00:00-08:00", "place_lng": 3.0}),
        ("POST", f"/api/v1/experiences/{exp}/reviews/", {"household_id": home, "rating": 3, "effort_felt": "easy", "note": "ok"}),
        ("POST", "/api/v1/merry-moments/", {"household_id": home, "title": "t", "occurred_at": "2024-01-15T14:00:00Z",
                                            "media_ids": [world["media"]], "experience_id": exp}),
        ("POST", "/api/v1/media/uploads/", {"household_id": home, "content_type": "image/png", "size_bytes": 10,
                                            "merry_moment_id": world["moment"]}),
    ]
    failures = []
    for i in range(350):
        method, path, base = routes[i % len(routes)]
        payload = dict(base)
        for _ in range(rng.randint(1, 3)):
            roll = rng.random()
            if roll < 0.75 and payload:
                payload[rng.choice(sorted(payload))] = rng.choice(pool)
            elif roll < 0.9:
                payload[rng.choice(["extra", "id", "household_id", "status", "\x00", "rating"])] = rng.choice(pool)
            elif payload:
                payload.pop(rng.choice(sorted(payload)))
        before = world["snap"].take()
        res = raw_json(api, method, path, payload, a)
        if res.status >= 500:
            failures.append(f"{method} {path} {str(payload)[:200]} -> {res.status} {str(res.body)[:120]}")
        elif res.status >= 400:
            problems = error_shape_problems(res) + (["rows changed"] if world["snap"].take() != before else [])
            if problems:
                failures.append(f"{method} {path} {str(payload)[:200]} -> {problems}")
    for path, query in [("/api/v1/households/", None), ("/api/v1/experiences/", {"household_id": home}),
                        ("/api/v1/merry-moments/", {"household_id": home}), (f"/api/v1/experiences/{exp}/", None),
                        (f"/api/v1/experiences/{exp}/reviews/", None), ("/api/v1/suggestions/", {"household_id": home})]:
        res = api.get(path, query=query, user=a)
        if res.status != 200:
            failures.append(f"read {path} afterwards -> {res.status} {str(res.body)[:120]}")
    assert not failures, "\n".join(failures)


def test_unusual_but_valid_text_round_trips(api: FamilyApi, world: dict) -> None:
    a, home = world["alice"], world["home"]
    text = "Pique-nique 🧺👨‍👩‍👧‍👦 — ‮rtl‬ 日本語 \t tab"
    exp = api.post("/api/v1/experiences/", {"household_id": home, "activity_name": text, "place": text, "participant_ids": [api.user_id(a)],
                                            "start_at": "2024-02-29T23:59:59.999999+14:00", "cost_estimate": 0,
                                            "place_lat": -90, "place_lng": 180}, user=a)
    assert exp.status == 201, exp.body
    got = api.get(f"/api/v1/experiences/{exp.body['id']}/", user=a).body
    assert got["activity_name"] == text.strip() and got["participant_ids"] == [api.user_id(a)]
    assert got["time_of_day"] == "night" and got["day_of_week"] == "thursday"  # the client's own offset


# ---------------------------------------------------------------- times: an offset is required
def test_naive_and_out_of_range_times_are_refused_with_the_field(api: FamilyApi, world: dict) -> None:
    a, home, exp = world["alice"], world["home"], world["exp"]
    naive = api.post("/api/v1/experiences/", {"household_id": home, "start_at": "2024-01-15T14:00:00"}, user=a)
    assert naive.status == 422 and naive.body["errors"][0]["field"] == "start_at", naive.body
    assert "offset" in naive.body["errors"][0]["message"] or "timezone" in naive.body["errors"][0]["message"]
    moment = api.post("/api/v1/merry-moments/", {"household_id": home, "title": "t", "occurred_at": "2024-01-15T14:00:00"}, user=a)
    assert moment.status == 422 and moment.body["errors"][0]["field"] == "occurred_at"
    for when in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:00:00-14:00"):
        for res in (api.post("/api/v1/experiences/", {"household_id": home, "start_at": when}, user=a),
                    api.patch(f"/api/v1/experiences/{exp}/", {"end_at": when}, user=a),
                    api.post("/api/v1/merry-moments/", {"household_id": home, "title": "t", "occurred_at": when}, user=a)):
            assert res.status == 422, res.body
    # nothing stored that a later read cannot load
    assert api.get("/api/v1/experiences/", query={"household_id": home}, user=a).status == 200
    assert api.get("/api/v1/merry-moments/", query={"household_id": home}, user=a).status == 200
    # the edges of the range are accepted, in any offset
    for when in ("1900-01-01T00:00:00Z", "2999-12-31T23:59:59Z", "1900-01-01T10:00:00+10:00"):
        assert api.post("/api/v1/merry-moments/", {"household_id": home, "title": "edge", "occurred_at": when}, user=a).status == 201


# ---------------------------------------------------------------- authorization through links
def test_links_and_removed_members(api: FamilyApi, world: dict, database_url: str) -> None:
    a, bob, home = world["alice"], world["bob"], world["home"]
    mallory = new_user()
    other = api.household(mallory, "Mallory home")
    # mallory links alice's rows from her own household: refused, nothing stored
    links = [
        lambda: api.post("/api/v1/media/uploads/", {"household_id": other, "content_type": "image/jpeg", "size_bytes": 10,
                                                    "merry_moment_id": world["moment"]}, user=mallory),
        lambda: api.post("/api/v1/media/uploads/", {"household_id": other, "content_type": "image/jpeg", "size_bytes": 10,
                                                    "experience_id": world["exp"]}, user=mallory),
        lambda: api.upload(tiny_jpeg(), other, user=mallory, merry_moment_id=world["moment"]),
        lambda: api.upload(tiny_jpeg(), other, user=mallory, experience_id=world["exp"]),
        lambda: api.post("/api/v1/merry-moments/", {"household_id": other, "title": "x", "occurred_at": "2024-01-01T00:00:00Z",
                                                    "media_ids": [world["media"]]}, user=mallory),
        lambda: api.post("/api/v1/merry-moments/", {"household_id": other, "title": "x", "occurred_at": "2024-01-01T00:00:00Z",
                                                    "experience_id": world["exp"]}, user=mallory),
        lambda: api.post(f"/api/v1/experiences/{world['exp']}/reviews/", {"household_id": other, "rating": 1}, user=mallory),
        lambda: api.post(f"/api/v1/households/{home}/members/", {"user_id": api.user_id(mallory)}, user=mallory),
    ]
    other_snap = Snapshot(database_url, other, api.user_id(mallory))
    try:
        for send in links:
            before_home, before_other = world["snap"].take(), other_snap.take()
            res = send()
            assert 400 <= res.status < 500, res.body
            assert world["snap"].take() == before_home and other_snap.take() == before_other
    finally:
        other_snap.conn.close()
    # bob is a member, then removed: from then on he reaches nothing of the household
    assert api.get(f"/api/v1/media/{world['media']}/", user=bob).status == 200
    assert api.delete(f"/api/v1/households/{home}/members/{api.user_id(bob)}/", user=a).status == 204
    exp = world["exp"]
    assert api.get("/api/v1/households/", user=bob).body["households"] == []
    assert api.get("/api/v1/experiences/", query={"household_id": home}, user=bob).body["experiences"] == []
    assert api.get("/api/v1/merry-moments/", query={"household_id": home}, user=bob).body["moments"] == []
    for res in (api.get(f"/api/v1/experiences/{exp}/", user=bob), api.get(f"/api/v1/experiences/{exp}/reviews/", user=bob),
                api.patch(f"/api/v1/experiences/{exp}/", {"status": "done"}, user=bob),
                api.post(f"/api/v1/experiences/{exp}/reviews/", {"household_id": home, "rating": 1}, user=bob),
                api.get(f"/api/v1/merry-moments/{world['moment']}/", user=bob), api.get(f"/api/v1/media/{world['media']}/", user=bob),
                api.get("/api/v1/suggestions/", query={"household_id": home}, user=bob),
                api.post("/api/v1/media/uploads/", {"household_id": home, "content_type": "image/jpeg", "size_bytes": 1}, user=bob),
                api.post(f"/api/v1/households/{home}/members/", {"user_id": api.user_id(bob)}, user=bob),
                api.delete(f"/api/v1/experiences/{exp}/", user=bob)):
        assert res.status == 404, res.body
    assert api.get(f"/api/v1/experiences/{exp}/", user=a).body["status"] == "planned"


# ---------------------------------------------------------------- reviews: duplicates and concurrency
def _principal(user: str):
    from backlot.auth import Principal, user_id_for_subject

    return Principal(user_id=user_id_for_subject(user))


def _run_together(*calls) -> list[Any]:
    results: list[Any] = [None] * len(calls)

    def run(i: int, call) -> None:
        from backlot import db

        try:
            results[i] = call()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            results[i] = exc
        finally:
            db.reset()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_concurrent_reviews_of_one_activity_both_count(api: FamilyApi, world: dict, database_url: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Two members review two outings of the same, never reviewed activity at the same moment:
    the weights must move by both reviews (×1.5 twice), not by whichever wrote last."""
    from family import repository, service
    from family.schemas import ReviewCreate

    a, bob, home = world["alice"], world["bob"], world["home"]
    exps = [api.post("/api/v1/experiences/", {"household_id": home, "activity_name": "Kitchen Dance Party"}, user=a).body["id"]
            for _ in range(2)]
    barrier = threading.Barrier(2, timeout=1.5)
    real_upsert = repository.upsert_weights

    def upsert_after_both_read(*args: Any) -> None:
        try:  # both transactions have read the weights before either writes (unless one is made to wait)
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        real_upsert(*args)

    monkeypatch.setattr(repository, "upsert_weights", upsert_after_both_read)
    body = ReviewCreate(household_id=uuid.UUID(home), rating=5)
    results = _run_together(lambda: service.create_review(_principal(a), uuid.UUID(exps[0]), body),
                            lambda: service.create_review(_principal(bob), uuid.UUID(exps[1]), body))
    assert all(isinstance(r, tuple) and r[1] is True for r in results), results
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT weight, reviews FROM family.activity_weights WHERE household_id = %s "
                           "AND activity_key = 'kitchen dance party' AND feature = '*'", (home,)).fetchone()
    assert row[1] == 2 and row[0] == pytest.approx(1.5 * 1.5)


def test_the_same_review_twice_at_once_counts_once(api: FamilyApi, world: dict, database_url: str) -> None:
    from family import service
    from family.schemas import ReviewCreate

    a, home = world["alice"], world["home"]
    exp = api.post("/api/v1/experiences/", {"household_id": home, "activity_name": "Jigsaw Puzzle"}, user=a).body["id"]
    body = ReviewCreate(household_id=uuid.UUID(home), rating=5)
    results = _run_together(*[lambda: service.create_review(_principal(a), uuid.UUID(exp), body)] * 4)
    assert all(isinstance(r, tuple) for r in results), results
    assert sorted(r[1] for r in results) == [False, False, False, True]
    assert len({r[0]["id"] for r in results}) == 1
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT weight, reviews FROM family.activity_weights WHERE household_id = %s "
                           "AND activity_key = 'jigsaw puzzle' AND feature = '*'", (home,)).fetchone()
    assert row == (pytest.approx(1.5), 1)


def test_concurrent_patches_cannot_break_start_before_end(api: FamilyApi, world: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    """One member moves the start later while another moves the end earlier: each is valid
    against the row it read, together they are not. The second must be a 400, not the database's
    CHECK constraint surfacing as a 500."""
    from backlot.errors import BadRequest
    from family import repository, service
    from family.schemas import ExperienceUpdate

    a, bob, exp = world["alice"], world["bob"], world["exp"]  # 2024-01-13 14:00 to 16:00 at -08:00
    barrier = threading.Barrier(2, timeout=1.5)
    real_update = repository.update_experience

    def update_after_both_checked(*args: Any) -> Any:
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        return real_update(*args)

    monkeypatch.setattr(repository, "update_experience", update_after_both_checked)
    later_start = ExperienceUpdate.model_validate({"start_at": "2024-01-13T15:30:00-08:00"})
    earlier_end = ExperienceUpdate.model_validate({"end_at": "2024-01-13T15:00:00-08:00"})
    results = _run_together(lambda: service.update_experience(_principal(a), uuid.UUID(exp), later_start),
                            lambda: service.update_experience(_principal(bob), uuid.UUID(exp), earlier_end))
    assert sum(isinstance(r, dict) for r in results) == 1, results
    assert sum(isinstance(r, BadRequest) for r in results) == 1, results
    row = api.get(f"/api/v1/experiences/{exp}/", user=a).body
    assert row["start_at"] <= row["end_at"]


# ---------------------------------------------------------------- media: retries and uploads that never come
def test_a_transient_failure_releases_the_lease_and_the_retry_finishes(api: FamilyApi, media_queue: MediaQueue, world: dict,
                                                                       monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    from botocore.exceptions import ClientError

    from backlot import storage

    a, home = world["alice"], world["home"]
    media_queue.drain()
    up = api.upload(tiny_jpeg(), home, user=a).body
    real_put, failed = storage.put_bytes, []

    def flaky_put(*args: Any, **kwargs: Any) -> None:
        if not failed:
            failed.append(args[1])
            raise ClientError({"Error": {"Code": "SlowDown", "Message": "throttled"}}, "PutObject")
        real_put(*args, **kwargs)

    monkeypatch.setattr(storage, "put_bytes", flaky_put)
    messages = [m for m in media_queue.receive() if up["id"] in m["Body"]]
    assert len(messages) == 1
    first = media_queue.deliver(messages)
    assert [f["itemIdentifier"] for f in first["batchItemFailures"]] == [messages[0]["MessageId"]]
    with psycopg.connect(database_url) as conn:
        status, claimed = conn.execute("SELECT status, claimed_at FROM family.media_items WHERE id = %s", (up["id"],)).fetchone()
    assert (status, claimed) == ("pending", None)  # the lease is released at once, not after it runs out
    assert media_queue.deliver(messages)["batchItemFailures"] == []
    assert api.get(f"/api/v1/media/{up['id']}/", user=a).body["status"] == "ready"


def test_a_presigned_upload_that_never_comes_ends_rejected(api: FamilyApi, media_queue: MediaQueue, world: dict,
                                                           database_url: str) -> None:
    """The item of a presigned POST nobody used stays ``pending`` only while the upload could still
    arrive; after that, reading it says ``rejected`` with a reason. An old item whose file did
    arrive and is waiting in the queue stays pending."""
    a, home = world["alice"], world["home"]
    media_queue.drain()
    never = api.post("/api/v1/media/uploads/", {"household_id": home, "content_type": "image/jpeg", "size_bytes": 10}, user=a).body
    waiting = api.upload(tiny_jpeg(), home, user=a).body  # its S3 event sits in the queue, unprocessed
    fresh = api.post("/api/v1/media/uploads/", {"household_id": home, "content_type": "image/jpeg", "size_bytes": 10}, user=a).body
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("UPDATE family.media_items SET created_at = now() - interval '3 hours' WHERE id = ANY(%s)",
                     ([never["media"]["id"], waiting["id"]],))
    gone = api.get(f"/api/v1/media/{never['media']['id']}/", user=a).body
    assert gone["status"] == "rejected" and gone["reason_code"] == "upload_not_received" and gone["reason"], gone
    assert gone["file_url"] is None
    assert api.get(f"/api/v1/media/{fresh['media']['id']}/", user=a).body["status"] == "pending"
    assert api.get(f"/api/v1/media/{waiting['id']}/", user=a).body["status"] == "pending"
    assert boto3.client("s3").list_objects_v2(Bucket=UPLOADS, Prefix=f"originals/{home}/{waiting['id']}/")["KeyCount"] == 1
    media_queue.drain()
    assert api.get(f"/api/v1/media/{waiting['id']}/", user=a).body["status"] == "ready"
