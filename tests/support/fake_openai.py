"""A local stand-in for the OpenAI API that answers with OpenAI's real response shapes (OpenAI API
reference: "Chat Completions" (``chat.completion`` object with ``choices[].message.content`` /
``refusal``, ``finish_reason``, ``usage``), "Files" (``file`` object; ``GET /files/{id}/content``),
"Batch" (``batch`` object; statuses ``validating``, ``in_progress``, ``completed``, ``expired``,
...; ``request_counts``; output and error JSONL files), "Error codes" (429 with ``x-ratelimit-*``
and ``retry-after`` headers, body ``{"error": {"message", "type", "param", "code"}}``).

Answers for tests: a chat completion reads the request's DATA block and answers a valid
conversation (every participant speaks) or journal, unless the next queued fault says otherwise
(:meth:`FakeOpenAI.queue`): ``invalid_json``, ``unknown_speaker``, ``refusal``, ``429``, ``500``,
``401`` (a wrong key).
Batches run when first retrieved: every line is answered as above, except that ``expire_after``
(n) makes the batch ``expired`` after n answered lines (the rest in the error file with code
``batch_expired``), and ``batch_faults`` (custom_id -> fault) fault single lines. Every request
is logged in ``requests``.

Streaming (``"stream": true``; OpenAI API reference "The chat completion chunk object", guide
"Streaming API responses"): the answer is sent as server-sent events over a chunked HTTP/1.1 body,
``data: {chat.completion.chunk}`` one content piece (about a token: :data:`PIECE` characters) each,
then a chunk with the ``finish_reason``, then (``stream_options.include_usage``) one chunk with
``choices: []`` and the ``usage``, then ``data: [DONE]``. ``chunk_delay`` seconds pass before each
piece; a non-streamed answer waits the same total before it is sent (the same token rate). The
fault ``cut`` sends half the pieces and closes the connection without ending the chunked body;
``error_event`` sends half the pieces, then an error (``data: {"error": {...}}``) and ends.
``batch_create_faults`` (``"500"``) fail the next batch creations. Batches: ``GET /v1/batches`` lists them newest first (``limit``, ``after``; ``data``,
``first_id``, ``last_id``, ``has_more``), each with its ``metadata``.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import uuid
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

DATA = re.compile(r"<data>\n(.*)\n</data>", re.S)
#: characters of content per streamed chunk (about one token)
PIECE = 4


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


class FakeOpenAI:
    """Start with :meth:`start` (returns the base URL ``http://127.0.0.1:<port>/v1``), stop with :meth:`stop`."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.faults: list[str] = []
        self.batch_faults: dict[str, str] = {}
        self.expire_after: int | None = None
        self.chunk_delay = 0.0
        self.batch_create_faults: list[str] = []
        self.files: dict[str, dict[str, Any]] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------- control
    def queue(self, *faults: str) -> None:
        """The next chat completions fail this way, one fault each."""
        with self.lock:
            self.faults.extend(faults)

    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, and chunked bodies for streams

            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None, raw: bytes | None = None) -> None:
                data = raw if raw is not None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/octet-stream" if raw is not None else "application/json")
                self.send_header("x-request-id", f"req_{uuid.uuid4().hex}")
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, body: dict[str, Any], answer: dict[str, Any], *, cut: bool, error_event: bool = False) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream; charset=utf-8")
                self.send_header("x-request-id", f"req_{uuid.uuid4().hex}")
                self.send_header("transfer-encoding", "chunked")
                self.end_headers()
                events = fake.chunks(answer, include_usage=bool((body.get("stream_options") or {}).get("include_usage")))
                pieces = len(_pieces(answer))
                for n, event in enumerate(events):
                    if error_event and n > pieces // 2:
                        # an error event after some pieces (what the openai SDK raises APIError on:
                        # a data line whose JSON carries "error"), then the stream ends
                        data = ("data: " + json.dumps(_error("The server had an error while processing your request.",
                                                             "server_error", None)) + "\n\n").encode()
                        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n0\r\n\r\n")
                        self.wfile.flush()
                        return
                    if cut and n > pieces // 2:
                        self.close_connection = True
                        self.wfile.flush()
                        self.connection.shutdown(socket.SHUT_RDWR)
                        return
                    if n and n <= pieces:
                        time.sleep(fake.chunk_delay)
                    data = f"data: {event}\n\n".encode()
                    self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")

            def do_GET(self) -> None:  # noqa: N802
                fake.requests.append({"method": "GET", "path": self.path})
                m = re.fullmatch(r"/v1/files/([^/]+)/content", self.path)
                if m and m.group(1) in fake.files:
                    return self._send(200, None, raw=fake.files[m.group(1)]["content"])
                m = re.fullmatch(r"/v1/batches/([^/?]+)", self.path)
                if m and m.group(1) in fake.batches:
                    return self._send(200, fake.run_batch(m.group(1)))
                if self.path.split("?")[0] == "/v1/batches":
                    return self._send(200, fake.list_batches(parse_qs(urlsplit(self.path).query)))
                self._send(404, _error("Not found", "invalid_request_error", None))

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                if self.path == "/v1/files":
                    message = BytesParser(policy=HTTP).parsebytes(
                        b"content-type: " + self.headers["content-type"].encode() + b"\r\n\r\n" + raw)
                    parts = {p.get_param("name", header="content-disposition"): p for p in message.iter_parts()}
                    content = parts["file"].get_payload(decode=True)
                    fake.requests.append({"method": "POST", "path": self.path, "bytes": len(content)})
                    return self._send(200, fake.add_file(content, parts["file"].get_filename(), parts["purpose"].get_content().strip()))
                body = json.loads(raw or b"{}")
                fake.requests.append({"method": "POST", "path": self.path, "body": body})
                if self.path == "/v1/chat/completions":
                    with fake.lock:
                        fault = fake.faults.pop(0) if fake.faults else None
                    status, answer, headers = fake.complete(body, fault)
                    if status == 200 and body.get("stream"):
                        return self._stream(body, answer, cut=fault == "cut", error_event=fault == "error_event")
                    if status == 200:
                        time.sleep(fake.chunk_delay * len(_pieces(answer)))
                    return self._send(status, answer, headers)
                if self.path == "/v1/batches":
                    with fake.lock:
                        fault = fake.batch_create_faults.pop(0) if fake.batch_create_faults else None
                    if fault == "500":
                        return self._send(500, _error("The server had an error while processing your request.", "server_error", None))
                    return self._send(200, fake.create_batch(body))
                self._send(404, _error("Not found", "invalid_request_error", None))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    # ------------------------------------------------------------- behaviour
    def complete(self, body: dict[str, Any], fault: str | None) -> tuple[int, dict[str, Any], dict[str, str]]:
        """``(status, body, headers)`` of one chat completion."""
        if fault == "429":
            return 429, _error("Rate limit reached for requests", "requests", "rate_limit_exceeded"), {
                "retry-after": "2", "x-ratelimit-limit-requests": "500", "x-ratelimit-remaining-requests": "0",
                "x-ratelimit-reset-requests": "2s", "x-ratelimit-limit-tokens": "30000", "x-ratelimit-remaining-tokens": "0",
                "x-ratelimit-reset-tokens": "2s"}
        if fault == "500":
            return 500, _error("The server had an error while processing your request.", "server_error", None), {}
        if fault == "401":  # OpenAI's answer to a wrong key: the message shows part of the key
            return 401, _error("Incorrect API key provided: sk-test. You can find your API key at "
                               "https://platform.openai.com/account/api-keys.", "invalid_request_error", "invalid_api_key"), {}
        prompt = "\n".join(m.get("content") or "" for m in body.get("messages", []))
        found = DATA.search(prompt)
        data = json.loads(found.group(1)) if found else {"participants": []}
        refusal = None
        if fault == "invalid_json":
            content = '{"title": "Broken", "turns": [{"speaker": '
        elif fault == "refusal":
            content, refusal = None, "I'm sorry, I can't help with that."
        elif "journal_of" in data:
            content = json.dumps({"title": "My day", "entry": f"Dear diary, on {data['date']} I worked hard."})
        else:
            cast = data["participants"]
            turns = [{"speaker": {"kind": p["kind"], "id": p["id"]}, "text": f"Hello from {p['kind']} {i}."}
                     for i, p in enumerate(cast * 2)]
            if fault == "unknown_speaker":
                turns.append({"speaker": {"kind": "device", "id": str(uuid.uuid4())}, "text": "I am not here."})
            content = json.dumps({"title": "A chat", "turns": turns})
        usage_in, usage_out = _tokens(prompt), _tokens(content or refusal or "")
        return 200, {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content, "refusal": refusal, "annotations": []},
                         "logprobs": None, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": usage_in, "completion_tokens": usage_out, "total_tokens": usage_in + usage_out,
                      "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                      "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0, "accepted_prediction_tokens": 0,
                                                    "rejected_prediction_tokens": 0}},
            "service_tier": "default", "system_fingerprint": "fp_fake",
        }, {}

    def chunks(self, answer: dict[str, Any], *, include_usage: bool) -> list[str]:
        """The SSE data of a streamed ``answer``: a role chunk, one chunk per piece of content (or
        refusal), the finish chunk, the usage chunk (when asked), ``[DONE]``."""
        base = {"id": answer["id"], "object": "chat.completion.chunk", "created": answer["created"], "model": answer["model"],
                "service_tier": "default", "system_fingerprint": "fp_fake"}
        usage = {"usage": None} if include_usage else {}
        choice = answer["choices"][0]
        field = "refusal" if choice["message"]["refusal"] else "content"
        out = [{**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": "", "refusal": None},
                                     "logprobs": None, "finish_reason": None}], **usage}]
        for piece in _pieces(answer):
            out.append({**base, "choices": [{"index": 0, "delta": {field: piece}, "logprobs": None, "finish_reason": None}], **usage})
        out.append({**base, "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": choice["finish_reason"]}], **usage})
        if include_usage:
            out.append({**base, "choices": [], "usage": answer["usage"]})
        return [json.dumps(x) for x in out] + ["[DONE]"]

    def list_batches(self, query: dict[str, list[str]]) -> dict[str, Any]:
        """``GET /v1/batches``: newest first, ``limit`` (default 20) after the id ``after``."""
        limit = int((query.get("limit") or ["20"])[0])
        after = (query.get("after") or [None])[0]
        ordered = sorted(self.batches.values(), key=lambda b: (b["created_at"], b["seq"]), reverse=True)
        if after:
            ids = [b["id"] for b in ordered]
            ordered = ordered[ids.index(after) + 1:] if after in ids else []
        page = [{k: v for k, v in b.items() if k != "seq"} for b in ordered[:limit]]
        return {"object": "list", "data": page, "first_id": page[0]["id"] if page else None,
                "last_id": page[-1]["id"] if page else None, "has_more": len(ordered) > limit}

    def add_file(self, content: bytes, filename: str, purpose: str) -> dict[str, Any]:
        file_id = f"file-{uuid.uuid4().hex[:24]}"
        obj = {"id": file_id, "object": "file", "bytes": len(content), "created_at": int(time.time()), "filename": filename,
               "purpose": purpose, "status": "processed", "status_details": None, "expires_at": None}
        self.files[file_id] = {**obj, "content": content}
        return obj

    def create_batch(self, body: dict[str, Any]) -> dict[str, Any]:
        batch_id = f"batch_{uuid.uuid4().hex[:24]}"
        now = int(time.time())
        lines = self.files[body["input_file_id"]]["content"].decode().splitlines()
        self.batches[batch_id] = {
            "id": batch_id, "object": "batch", "endpoint": body["endpoint"], "errors": None,
            "input_file_id": body["input_file_id"], "completion_window": body["completion_window"], "status": "validating",
            "output_file_id": None, "error_file_id": None, "created_at": now, "in_progress_at": None,
            "expires_at": now + 86400, "finalizing_at": None, "completed_at": None, "failed_at": None, "expired_at": None,
            "cancelling_at": None, "cancelled_at": None,
            "request_counts": {"total": len([x for x in lines if x.strip()]), "completed": 0, "failed": 0},
            "metadata": body.get("metadata"), "seq": len(self.batches),
        }
        return {k: v for k, v in self.batches[batch_id].items() if k != "seq"}

    def run_batch(self, batch_id: str) -> dict[str, Any]:
        """The batch, run to its end on the first retrieve after creation (validating -> in_progress
        on the first call, terminal on the second: a collector sees both)."""
        batch = self.batches[batch_id]
        if batch["status"] == "validating":
            batch["status"], batch["in_progress_at"] = "in_progress", int(time.time())
            return _public(batch)
        if batch["status"] != "in_progress":
            return _public(batch)
        lines = [json.loads(x) for x in self.files[batch["input_file_id"]]["content"].decode().splitlines() if x.strip()]
        outputs, errors = [], []
        for n, line in enumerate(lines):
            rid = f"batch_req_{uuid.uuid4().hex[:24]}"
            if self.expire_after is not None and n >= self.expire_after:
                errors.append({"id": rid, "custom_id": line["custom_id"], "response": None, "error": {
                    "code": "batch_expired", "message": "This request could not be executed before the completion window expired."}})
                continue
            status, body, _ = self.complete(line["body"], self.batch_faults.get(line["custom_id"]))
            target = outputs if status == 200 else errors
            target.append({"id": rid, "custom_id": line["custom_id"],
                           "response": {"status_code": status, "request_id": f"req_{uuid.uuid4().hex}", "body": body},
                           "error": None})
        now = int(time.time())
        if outputs:
            batch["output_file_id"] = self.add_file(("\n".join(map(json.dumps, outputs)) + "\n").encode(), "batch_output.jsonl", "batch_output")["id"]
        if errors:
            batch["error_file_id"] = self.add_file(("\n".join(map(json.dumps, errors)) + "\n").encode(), "batch_errors.jsonl", "batch_output")["id"]
        expired = self.expire_after is not None and self.expire_after < len(lines)
        batch["status"] = "expired" if expired else "completed"
        batch["expired_at" if expired else "completed_at"] = now
        batch["request_counts"] = {"total": len(lines), "completed": len(outputs), "failed": len(errors)}
        return _public(batch)


def _public(batch: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in batch.items() if k != "seq"}


def _pieces(answer: dict[str, Any]) -> list[str]:
    """The streamed pieces of an answer's content (or refusal)."""
    message = answer["choices"][0]["message"]
    text = message["content"] or message["refusal"] or ""
    return [text[i:i + PIECE] for i in range(0, len(text), PIECE)]


def _error(message: str, kind: str, code: str | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}
