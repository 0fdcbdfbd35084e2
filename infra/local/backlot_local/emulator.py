"""The AWS emulator: moto in server mode on loopback, and the resources the templates declare.

:func:`start_moto` runs moto's ``ThreadedMotoServer`` on 127.0.0.1 (a free port) in this process.
:func:`provision` creates every queue (dead-letter queues first, with ``VisibilityTimeout``,
``RedrivePolicy`` and the other attributes from the template), every bucket (with versioning and
CORS when declared) and the buckets' ``QueueConfigurations`` (event + key filter), on moto or on any
emulator named by ``AWS_ENDPOINT_URL``.

S3 event notifications: moto delivers them itself in server mode, for ``PutObject``
(``ObjectCreated:Put``), browser-style presigned POSTs (``ObjectCreated:Post``), copies and
multipart uploads, honouring the event and the prefix/suffix filter, and it sends the
``s3:TestEvent`` message when the configuration is set, as S3 does (verified by
``tests/integration/local``). Its records lack fields S3 sends (``userIdentity``,
``requestParameters``, ``responseElements``, ``ownerIdentity``, ``sequencer``) and it encodes ``/``
in keys, which S3 does not; when we run moto ourselves, :func:`use_s3_event_shape` makes it write
the record exactly as S3 does (S3 User Guide, "Event message structure"; compare
``shared/data/aws-events/powertools/s3Event.json``).

Dead-letter queues: moto applies a queue's ``RedrivePolicy`` on receive, moving a message whose
receive count exceeds ``maxReceiveCount`` to the dead-letter queue, as SQS does.

State across restarts: moto keeps everything in memory and offers no persistence (getmoto/moto
issues 1069 and 9755); what it offers is its *recorder*, which appends every request to a file
before handling it and replays the file into a fresh server ("Recorder" in moto's configuration
docs). :class:`MotoServer` with a ``recording`` path records the requests that change S3 (writes,
copies, deletes, multipart uploads, presigned POSTs; not the notification configuration, not SQS)
and replays them at the next start *before* :func:`provision` sets the bucket notifications, so a
restart brings every object back without re-sending its ``ObjectCreated`` message. A request is
recorded before moto applies it, so any object a function wrote before it committed a row that
names it is in the recording when the row is: the database and the files stay consistent across a
restart, even after SIGKILL. Queued SQS messages do not survive a restart (as after a redeploy).
The recording only grows (replaying deletes too); ``backlot reset`` starts afresh.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from backlot_local import REGION
from backlot_local.template import Application, Queue

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
"""The fake credentials every local client uses."""


def client(service: str, endpoint: str) -> Any:
    """A boto3 client for ``service`` on the emulator, with the fake credentials."""
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        config=Config(signature_version="s3v4", retries={"mode": "standard"}) if service == "s3" else Config(retries={"mode": "standard"}),
    )


_SIGV4_SERVICE = re.compile(r"Credential=[^/,]+/\d{8}/[^/]+/([^/]+)/aws4_request")


def is_s3_write(method: str, headers: Any, query: dict[str, str] | Any) -> bool:
    """Whether a request to the emulator changes S3 objects or buckets (and so must be recorded).

    S3 is told apart by the SigV4 credential scope's service (``Authorization`` header or a
    presigned URL's ``X-Amz-Credential``); a browser-style presigned POST carries its credential in
    the form, so an unsigned ``multipart/form-data`` POST counts as S3. Bucket notification
    configuration is left out (``provision`` sets it after the replay), and so is every other service.
    """
    if method not in ("PUT", "POST", "DELETE") or headers.get("X-Amz-Target"):
        return False
    if "notification" in query:
        return False
    scope = _SIGV4_SERVICE.search(headers.get("Authorization", "") or "") or _SIGV4_SERVICE.search("Credential=" + str(query.get("X-Amz-Credential", "")))
    if scope is not None:
        return scope.group(1) == "s3"
    return method == "POST" and "multipart/form-data" in (headers.get("Content-Type", "") or "")


def _recorder() -> Any:
    from moto.moto_api import recorder

    return recorder


class MotoServer:
    """moto in server mode on 127.0.0.1, in a thread of this process.

    Args:
        recording: a file to keep S3 in across restarts (see the module docstring): replayed now if
            it exists, then appended to. None keeps everything in memory only.
        log: where the replay is reported.
    """

    def __init__(self, recording: Path | None = None, *, log: Callable[[str], None] = print) -> None:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        use_s3_event_shape()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        self.recording = recording
        if recording is not None:
            self._restore(recording, log)

    def _restore(self, recording: Path, log: Callable[[str], None]) -> None:
        recorder = _recorder()
        recording.parent.mkdir(parents=True, exist_ok=True)
        recording.touch()
        recorder._location = str(recording)  # moto reads MOTO_RECORDER_FILEPATH once, at import
        _record_s3_writes_only(recorder)
        started = time.monotonic()
        count = _repair(recording, log)
        if count:
            recorder.replay_recording(target_host=self.endpoint)
            log(f"[aws] S3 restored from {recording} ({count} requests replayed in {time.monotonic() - started:.1f} s)")
        recorder.start_recording()

    def stop(self) -> None:
        """Stop serving (what is in memory goes with it; the recording stays)."""
        if self.recording is not None:
            _recorder().stop_recording()
        self._server.stop()


def _repair(recording: Path, log: Callable[[str], None]) -> int:
    """Drop lines that are not JSON (a write cut short by SIGKILL) so the replay cannot fail on them;
    returns how many requests remain."""
    good, bad = [], 0
    with recording.open("rb") as lines:
        for line in lines:
            if not line.strip():
                continue
            try:
                json.loads(line)
                good.append(line if line.endswith(b"\n") else line + b"\n")
            except ValueError:
                bad += 1
    if bad:
        partial = recording.with_suffix(".repaired")
        partial.write_bytes(b"".join(good))
        partial.replace(recording)
        log(f"[aws] {recording}: dropped {bad} unreadable request(s) (a write cut short)")
    return len(good)


_filtered = False
_record_lock = threading.Lock()


def _record_s3_writes_only(recorder: Any) -> None:
    """Make moto's recorder keep only :func:`is_s3_write` requests, one at a time (moto serves
    requests in threads and a large line is written in several pieces); idempotent."""
    global _filtered
    if _filtered:
        return
    record = recorder._record_request

    def s3_writes_only(request: Any, body: bytes | None = None) -> None:
        if is_s3_write(request.method, request.headers, getattr(request, "args", {})):
            with _record_lock:
                record(request, body)

    recorder._record_request = s3_writes_only
    _filtered = True


def start_moto(recording: Path | None = None, *, log: Callable[[str], None] = print) -> MotoServer:
    """Start moto on a free loopback port; its URL is ``.endpoint``. With ``recording``, S3 is
    restored from that file and kept in it (see :class:`MotoServer`)."""
    return MotoServer(recording, log=log)


def s3_event_record(
    *,
    event_name: str,
    bucket: str,
    key: str,
    size: int,
    etag: str,
    version_id: str | None,
    configuration_id: str,
    event_time: str,
    region: str = REGION,
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    """One S3 notification record exactly as S3 writes it.

    ``event_name`` is without the ``s3:`` prefix (``ObjectCreated:Put``); the key is URL-encoded with
    spaces as ``+`` and ``/`` kept; ``versionId`` is present only for versioned buckets; ``sequencer``
    is an increasing hex string.
    """
    obj: dict[str, Any] = {"key": quote_plus(key, safe="/"), "size": size, "eTag": etag}
    if version_id is not None:
        obj["versionId"] = version_id
    obj["sequencer"] = f"{time.time_ns():018X}"[-18:]
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": event_time,
        "eventName": event_name,
        "userIdentity": {"principalId": "AWS:AIDABACKLOTLOCAL0001"},
        "requestParameters": {"sourceIPAddress": source_ip},
        "responseElements": {
            "x-amz-request-id": uuid.uuid4().hex[:16].upper(),
            "x-amz-id-2": base64.b64encode(os.urandom(48)).decode(),
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {"name": bucket, "ownerIdentity": {"principalId": "A1BACKLOTLOCAL"}, "arn": f"arn:aws:s3:::{bucket}"},
            "object": obj,
        },
    }


_patched = False


def use_s3_event_shape() -> None:
    """Make this process's moto write S3 notification records in S3's exact shape (idempotent)."""
    global _patched
    if _patched:
        return
    from moto.s3 import notifications

    original: Callable[..., dict[str, Any]] = notifications._get_s3_event

    def aws_shaped(event_name: str, bucket: Any, key: Any, notification_id: str) -> dict[str, Any]:
        shaped = original(event_name, bucket, key, notification_id)
        record = shaped["Records"][0]
        return {
            "Records": [
                s3_event_record(
                    event_name=record["eventName"],
                    bucket=bucket.name,
                    key=key.name,
                    size=record["s3"]["object"]["size"],
                    etag=record["s3"]["object"]["eTag"],
                    version_id=key.version_id if getattr(bucket, "is_versioned", False) else None,
                    configuration_id=notification_id,
                    event_time=record["eventTime"],
                    region=record["awsRegion"],
                )
            ]
        }

    notifications._get_s3_event = aws_shaped
    _patched = True


def _queue_order(queues: list[Queue]) -> list[Queue]:
    """Dead-letter queues before the queues that name them."""
    ordered: list[Queue] = []
    pending = list(queues)
    while pending:
        waiting_for = {p.arn for p in pending}
        ready = [q for q in pending if not q.dead_letter_arn or q.dead_letter_arn not in waiting_for or q.dead_letter_arn == q.arn]
        if not ready:
            ready = pending[:1]
        for queue in ready:
            ordered.append(queue)
            pending.remove(queue)
    return ordered


def provision(app: Application, endpoint: str, *, log: Callable[[str], None] = print) -> None:
    """Create the application's queues, buckets and bucket notifications, and its user pools
    (:mod:`backlot_local.cognito`), on the emulator (idempotent).

    Raises:
        botocore.exceptions.ClientError: the emulator refused a resource.
    """
    sqs, s3 = client("sqs", endpoint), client("s3", endpoint)
    for queue in _queue_order(app.queues):
        try:
            sqs.create_queue(QueueName=queue.name, Attributes=queue.attributes)
        except ClientError as exc:
            if exc.response["Error"]["Code"] not in ("QueueAlreadyExists", "QueueNameExists"):
                raise
            url = sqs.get_queue_url(QueueName=queue.name)["QueueUrl"]
            settable = {k: v for k, v in queue.attributes.items() if k not in ("FifoQueue",)}
            if settable:
                sqs.set_queue_attributes(QueueUrl=url, Attributes=settable)
        dlq = ""
        if queue.dead_letter_arn:
            dlq = f", dead-letter queue {queue.dead_letter_arn.rsplit(':', 1)[-1]} after {queue.max_receive_count} receives"
        log(f"[aws] queue {queue.name} ({queue.id}, visibility {queue.visibility_timeout} s{dlq})")
    for bucket in app.buckets:
        try:
            s3.create_bucket(Bucket=bucket.name)
        except ClientError as exc:
            if exc.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise
        if bucket.versioned:
            s3.put_bucket_versioning(Bucket=bucket.name, VersioningConfiguration={"Status": "Enabled"})
        if bucket.cors_rules:
            s3.put_bucket_cors(Bucket=bucket.name, CORSConfiguration={"CORSRules": [_cors_rule(r) for r in bucket.cors_rules]})
        configurations = []
        for index, notification in enumerate(bucket.queue_notifications):
            config: dict[str, Any] = {"Id": f"{bucket.logical_id}-{index}", "QueueArn": notification.queue_arn, "Events": [notification.event]}
            if notification.filter_rules:
                config["Filter"] = {"Key": {"FilterRules": notification.filter_rules}}
            configurations.append(config)
        if configurations:
            s3.put_bucket_notification_configuration(Bucket=bucket.name, NotificationConfiguration={"QueueConfigurations": configurations})
        notes = "".join(
            f"; {n.event} {' '.join(r['Name'] + '=' + r['Value'] for r in n.filter_rules)} -> {n.queue_arn.rsplit(':', 1)[-1]}"
            for n in bucket.queue_notifications
        )
        log(f"[aws] bucket {bucket.name} ({bucket.id}{notes})")
    from backlot_local.cognito import provision_user_pools

    provision_user_pools(app, endpoint, log=log)


def _cors_rule(rule: dict[str, Any]) -> dict[str, Any]:
    renamed = {"ExposedHeaders": "ExposeHeaders", "MaxAge": "MaxAgeSeconds", "Id": "ID"}
    return {renamed.get(k, k): v for k, v in rule.items()}
