"""The OpenAI side (issue 11 items 1, 3, 5), through the openai SDK: one synchronous chat completion,
and the Batch API (upload a JSONL file, create a batch, read its output and error files).

OpenAI reference: ``POST /v1/chat/completions`` (``response_format`` ``json_schema``; answer
``choices[0].message.content`` / ``refusal``, ``finish_reason``, ``usage.prompt_tokens`` /
``completion_tokens``); ``POST /v1/files`` (``purpose=batch``); ``POST /v1/batches``
(``endpoint=/v1/chat/completions``, ``completion_window=24h``); ``GET /v1/batches/{id}`` (status
``validating | in_progress | finalizing | completed | failed | expired | cancelling | cancelled``,
``output_file_id``, ``error_file_id``); ``GET /v1/files/{id}/content``. A batch input line is
``{"custom_id", "method": "POST", "url": "/v1/chat/completions", "body"}``; an output line
``{"id", "custom_id", "response": {"status_code", "request_id", "body"}, "error"}``.

The on-demand job streams (``stream=True``, ``stream_options={"include_usage": true}``; OpenAI API
reference "The chat completion chunk object": ``choices[0].delta.content`` / ``refusal`` pieces, a
chunk with ``finish_reason``, then one chunk with ``choices: []`` and ``usage``, then ``[DONE]``).

The SDK's own retries are off (``max_retries=0``): a failed call is retried by the SQS redelivery
(backoff through the visibility timeout) or the next batch, never silently inside one invocation.
"""

from __future__ import annotations

import contextlib
import io
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import openai

from wellness.settings import WellnessSettings

TERMINAL = {"completed", "failed", "expired", "cancelled"}


@dataclass(frozen=True)
class Answer:
    """One completion: ``content`` (the JSON text or None), ``refusal``, ``finish_reason``, tokens."""

    content: str | None
    refusal: str | None
    finish_reason: str | None
    input_tokens: int
    output_tokens: int
    model: str


class RateLimited(RuntimeError):
    """OpenAI answered 429; ``retry_after`` seconds when it said (``retry-after`` header)."""

    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class StreamBroken(RuntimeError):
    """A stream ended before its end (connection cut, no ``finish_reason`` or no usage chunk, or the
    call's deadline passed). ``output_tokens``: the content chunks received (about a token each,
    what OpenAI bills for a cut stream beside the prompt); ``model``: the model that answered."""

    def __init__(self, message: str, output_tokens: int, model: str) -> None:
        super().__init__(message)
        self.output_tokens = output_tokens
        self.model = model


def error_reason(status: int | None, error: dict[str, Any] | None, fallback: str) -> str:
    """The failure reason users see (``failure_reason``, the ``conversation.failed`` notification
    and webhook) for a provider error: its HTTP status and OpenAI's error ``code`` (or ``type``),
    never its ``message``, which is for the operator (a wrong key's names part of the key).
    ``fallback``: what to say without either (e.g. the exception's class)."""
    error = error if isinstance(error, dict) else {}
    parts = [f"HTTP {status}" if status else None, error.get("code") or error.get("type")]
    return "provider_error: " + (" ".join(str(p) for p in parts if p) or fallback)


def exception_reason(exc: openai.APIError) -> str:
    """:func:`error_reason` of an SDK exception (a connection error: its class name)."""
    return error_reason(getattr(exc, "status_code", None), exc.body if isinstance(exc.body, dict) else {"code": exc.code},
                        type(exc).__name__)


def client(settings: WellnessSettings) -> openai.OpenAI:
    """The SDK client (``openai_base_url`` points the tests at the fake server)."""
    return openai.OpenAI(api_key=settings.openai_key(), base_url=settings.openai_base_url,
                         max_retries=0, timeout=settings.openai_timeout_s)


def answer_from_body(body: dict[str, Any]) -> Answer:
    """An :class:`Answer` from a chat completion object (a synchronous answer or a batch line's body)."""
    choice = (body.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    usage = body.get("usage") or {}
    return Answer(content=message.get("content"), refusal=message.get("refusal"), finish_reason=choice.get("finish_reason"),
                  input_tokens=int(usage.get("prompt_tokens") or 0), output_tokens=int(usage.get("completion_tokens") or 0),
                  model=str(body.get("model") or ""))


def complete(settings: WellnessSettings, body: dict[str, Any]) -> Answer:
    """One synchronous chat completion of ``body``.

    Raises:
        RateLimited: 429 (the caller leaves the work to be retried later).
        openai.APIError: any other failure (connection, 5xx, 4xx).
    """
    try:
        completion = client(settings).chat.completions.create(**body)
    except openai.RateLimitError as exc:
        header = exc.response.headers.get("retry-after")
        raise RateLimited(str(exc), float(header) if header else None) from None
    return answer_from_body(completion.model_dump())


def _abort(response: httpx.Response) -> None:
    """Wake a thread blocked reading ``response``: shut its socket down (closing a socket does not
    interrupt a ``recv`` in another thread on Linux; ``shutdown`` does, and the read then fails)."""
    network = response.extensions.get("network_stream")
    sock = network.get_extra_info("socket") if network is not None else None
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def stream(settings: WellnessSettings, body: dict[str, Any], on_content: Callable[[str], None],
           deadline_s: float) -> Answer:
    """One streamed chat completion of ``body``: ``on_content`` gets the whole content so far after
    each piece (the caller writes the turns already complete), and the :class:`Answer` is built
    from the pieces, the ``finish_reason`` and the final usage chunk.

    Raises:
        RateLimited: 429 before the stream began.
        openai.APIError: any other failure before it began (connection, 5xx, 4xx), or an error event
            before any piece.
        StreamBroken: the stream stopped before its end (cut, or an error event after some
            pieces), or ran past ``deadline_s`` seconds: a watchdog thread shuts the response's
            socket down at the deadline, so a read blocked on a silent server ends then, not up to one socket
            timeout later (which could outlive the function's own timeout).
    """
    ends_at = time.monotonic() + deadline_s
    try:
        chunks = client(settings).chat.completions.create(**body, stream=True, stream_options={"include_usage": True})
    except openai.RateLimitError as exc:
        header = exc.response.headers.get("retry-after")
        raise RateLimited(str(exc), float(header) if header else None) from None
    content: list[str] = []
    refusal: list[str] = []
    finish, usage, model, pieces = None, None, str(body.get("model") or ""), 0
    watchdog = threading.Timer(max(0.0, ends_at - time.monotonic()), _abort, (chunks.response,))
    watchdog.daemon = True
    watchdog.start()
    try:
        with chunks:
            for chunk in chunks:
                model = chunk.model or model
                usage = chunk.usage or usage
                for choice in chunk.choices:
                    if choice.index != 0:
                        continue
                    finish = choice.finish_reason or finish
                    if choice.delta.refusal:
                        refusal.append(choice.delta.refusal)
                        pieces += 1
                    if choice.delta.content:
                        content.append(choice.delta.content)
                        pieces += 1
                        on_content("".join(content))
                if time.monotonic() > ends_at:
                    raise StreamBroken(f"the stream ran past its {deadline_s:.0f} s deadline", pieces, model)
    except (openai.APIConnectionError, httpx.HTTPError, httpx.StreamError, OSError) as exc:
        if time.monotonic() >= ends_at:  # the watchdog closed it
            raise StreamBroken(f"the stream ran past its {deadline_s:.0f} s deadline", pieces, model) from None
        raise StreamBroken(f"the stream was cut: {exc}", pieces, model) from None
    except openai.APIError as exc:
        # an error event (``data: {"error": ...}``, the SDK raises it while iterating): after
        # pieces were generated it is a cut stream, whose tokens are billed
        if not pieces:
            raise
        raise StreamBroken(f"the stream stopped with an error event ({exception_reason(exc)})", pieces, model) from None
    finally:
        watchdog.cancel()
    if time.monotonic() >= ends_at and (finish is None or usage is None):
        raise StreamBroken(f"the stream ran past its {deadline_s:.0f} s deadline", pieces, model)
    if finish is None or usage is None:
        raise StreamBroken("the stream ended without its finish_reason and usage chunks", pieces, model)
    return Answer(content="".join(content) if content else None, refusal="".join(refusal) if refusal else None,
                  finish_reason=finish, input_tokens=usage.prompt_tokens, output_tokens=usage.completion_tokens, model=model)


def batch_line(custom_id: str, body: dict[str, Any]) -> str:
    """One JSONL line of a batch input file."""
    return json.dumps({"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": body},
                      ensure_ascii=True, separators=(",", ":"))


def submit_batch(settings: WellnessSettings, jsonl: bytes, metadata: dict[str, str]) -> tuple[str, str, str]:
    """Upload ``jsonl`` and start a batch on it: ``(batch_id, input_file_id, status)``.

    Raises:
        openai.APIError: the upload or the batch creation failed.
    """
    c = client(settings)
    uploaded = c.files.create(file=("wellness-batch.jsonl", io.BytesIO(jsonl)), purpose="batch")
    batch = c.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h",
                             metadata=metadata)
    return batch.id, uploaded.id, batch.status


def find_batch(settings: WellnessSettings, key: str, value: str, since: int) -> dict[str, Any] | None:
    """The batch whose ``metadata[key] == value``, among those created at or after ``since`` (Unix
    seconds), or None. ``GET /v1/batches`` lists newest first and filters nothing on the server, so
    the pages are read (the SDK's auto-pagination) until a batch older than ``since``.

    Raises:
        openai.APIError: the listing failed (the caller must not submit again then).
    """
    for batch in client(settings).batches.list(limit=100):
        if (batch.metadata or {}).get(key) == value:
            return batch.model_dump()
        if batch.created_at < since:
            return None
    return None


def batch_state(settings: WellnessSettings, batch_id: str) -> dict[str, Any]:
    """The batch object (``status``, ``output_file_id``, ``error_file_id``, ``request_counts``)."""
    return client(settings).batches.retrieve(batch_id).model_dump()


def file_lines(settings: WellnessSettings, file_id: str | None) -> list[dict[str, Any]]:
    """The JSON lines of an output or error file (none for no file)."""
    if not file_id:
        return []
    text = client(settings).files.content(file_id).text
    return [json.loads(line) for line in text.splitlines() if line.strip()]
