"""The music product wired to real PostgreSQL (pgvector) and the AWS emulator, called through its
Lambda handlers with real API Gateway, Lambda-authorizer, SQS and Scheduler event shapes."""

from __future__ import annotations

import base64
import json
import os
import uuid
from typing import Any

import boto3
import pytest

from tests.support.apigw import LambdaContext, http_event
from tests.support.clients import ApiClient, QueueDriver, Response

SONGS = "backlot-test-music-songs"
ADMIN = ("admin",)


class MusicApi(ApiClient):
    """The people's side of the music API, with helpers."""

    def user_id(self, user: str) -> str:
        return self.get("/api/me/", user=user).body["user_id"]

    def make_manager(self, user: str) -> str:
        user_id = self.user_id(user)
        res = self.put(f"/api/roles/{user_id}/", {"role": "manager"}, user="root", groups=ADMIN)
        assert res.status == 200, res.body
        return user_id

    def song(self, title: str, embedding: list[float], *, user: str = "root", groups: tuple[str, ...] = ADMIN) -> dict:
        res = self.post("/api/songs/", {"title": title, "artist": "Test", "embedding": embedding}, user=user, groups=groups)
        assert res.status == 201, res.body
        return res.body

    def player(self, name: str = "Lobby", *, user: str = "root", groups: tuple[str, ...] = ADMIN) -> dict:
        res = self.post("/api/players/", {"name": name}, user=user, groups=groups)
        assert res.status == 201, res.body
        return res.body


class PlayerClient:
    """A physical player calling its routes as API Gateway would: the REQUEST authorizer runs first
    (401 without an Authorization header, 403 when it refuses), then the route's function gets the
    authorizer's context in ``requestContext.authorizer.lambda``."""

    def __init__(self, authorizer: Any, handler: Any):
        self.authorizer = authorizer
        self.handler = handler

    def call(self, method: str, path: str, token: str | None, *, json_body: Any = None, query: dict | None = None,
             extra_headers: dict[str, str] | None = None) -> Response:
        event = http_event(method, path, base_path="/music", json_body=json_body, query=query)
        if token is not None:
            event["headers"]["authorization"] = f"Bearer {token}"
        event["headers"].update(extra_headers or {})
        header = event["headers"].get("authorization")
        if not header:
            return Response(401, {"message": "Unauthorized"}, {})
        auth_event = {
            "version": "2.0", "type": "REQUEST", "routeArn": f"arn:aws:execute-api:us-east-1:123456789012:local/$default/{method}{path}",
            "identitySource": [header], "routeKey": event["routeKey"], "rawPath": event["rawPath"],
            "rawQueryString": event["rawQueryString"], "headers": event["headers"], "requestContext": event["requestContext"],
        }
        decision = self.authorizer(auth_event, LambdaContext())
        if not decision.get("isAuthorized"):
            return Response(403, {"message": "Forbidden"}, {})
        event["requestContext"]["authorizer"] = {"lambda": decision.get("context")}
        out = self.handler(event, LambdaContext())
        raw = out.get("body") or ""
        if out.get("isBase64Encoded"):
            raw = base64.b64decode(raw).decode()
        body = json.loads(raw) if raw else None
        return Response(out["statusCode"], body, out.get("headers", {}))

    def poll(self, token: str | None, status: str | None = None, **kw: Any) -> Response:
        return self.call("GET", "/api/player/poll", token, query={"status": status} if status else None, **kw)

    def played(self, token: str | None, body: dict) -> Response:
        return self.call("POST", "/api/player/played", token, json_body=body)


@pytest.fixture(scope="session")
def music_env(database_url: str, aws_endpoint: str) -> dict[str, str]:
    """The songs bucket and the audio queue as the music template declares them (uploads/ → SQS)."""
    os.environ.update({"SONGS_BUCKET": SONGS, "API_BASE_PATH": "/music", "POWERTOOLS_TRACE_DISABLED": "true",
                       "POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_SERVICE_NAME": "music",
                       # the queue tests vote in quick succession; tests/integration/music/test_venues_and_votes.py
                       # turns the vote limits on
                       "VOTE_INTERVAL_SECONDS": "0", "VOTE_REPLAN_SECONDS": "0"})
    s3, sqs = boto3.client("s3"), boto3.client("sqs")
    dlq = sqs.create_queue(QueueName="music-audio-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue = sqs.create_queue(QueueName="music-audio", Attributes={
        "VisibilityTimeout": "1", "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"}),
    })["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.create_bucket(Bucket=SONGS)
    s3.put_bucket_notification_configuration(Bucket=SONGS, NotificationConfiguration={"QueueConfigurations": [{
        "QueueArn": arn, "Events": ["s3:ObjectCreated:*"],
        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "uploads/"}]}},
    }]})
    return {"queue_url": queue, "dlq_url": dlq}


@pytest.fixture(scope="session")
def api(music_env: dict[str, str]) -> MusicApi:
    from music.api import handler

    return MusicApi(handler, "/music")


@pytest.fixture(scope="session")
def device(music_env: dict[str, str]) -> PlayerClient:
    from music.api import handler
    from music.authorizer import handler as authorizer

    return PlayerClient(authorizer, handler)


@pytest.fixture()
def audio_queue(music_env: dict[str, str]) -> QueueDriver:
    from music.audio.handler import handler

    queue = QueueDriver(handler, music_env["queue_url"])
    queue.drain()
    return queue


@pytest.fixture()
def isolated_catalogue(database_url: str, music_env: dict[str, str]) -> None:
    """Tests that rank the whole catalogue start from an empty one (songs of other tests gone)."""
    from backlot import db

    with db.transaction() as conn:
        # CASCADE empties every table that points at songs (players too, through current_song_id)
        conn.execute("TRUNCATE music.songs CASCADE")


def new_user() -> str:
    return f"user-{uuid.uuid4().hex[:8]}"


def make_ready(song_id: str, key: str | None = None) -> None:
    """Mark a song playable without the upload pipeline (tests of ranking and queues)."""
    from backlot import db

    db.connection().execute(
        "UPDATE music.songs SET status = 'ready', file_key = %s WHERE id = %s", (key or f"uploads/{song_id}/test", song_id)
    )


def run_refill() -> dict:
    from music.jobs.refill import handler

    event = json.loads((__import__("pathlib").Path(__file__).resolve().parents[3] / "events/music/QueueRefillFunction.json").read_text())
    return handler(event, LambdaContext())
