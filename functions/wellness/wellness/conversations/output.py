"""What the model must answer (OpenAI structured outputs, ``response_format`` ``json_schema`` with
``strict``: every property required, ``additionalProperties: false``; OpenAI guide "Structured
Outputs", supported schemas) and the check of an answer.

A strict schema is not trusted: the answer is parsed and checked again here (the schema may be
ignored by another provider, the text cut by ``max_tokens``, and ``speaker.id`` must be one of the
participants, which no schema can say). :class:`InvalidOutput` names what is wrong.
"""

from __future__ import annotations

import json
from typing import Any

import pydantic_core

MAX_TURNS = 40
MAX_TEXT = 2000

CONVERSATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["title", "turns"],
    "properties": {
        "title": {"type": "string"},
        "turns": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["speaker", "text"],
                "properties": {
                    "speaker": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["kind", "id"],
                        "properties": {"kind": {"type": "string", "enum": ["device", "app"]}, "id": {"type": "string"}},
                    },
                    "text": {"type": "string"},
                },
            },
        },
    },
}

JOURNAL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["title", "entry"],
    "properties": {"title": {"type": "string"}, "entry": {"type": "string"}},
}


def response_format(kind: str) -> dict[str, Any]:
    """The ``response_format`` of a chat completion for ``kind`` (``conversation`` | ``journal``)."""
    schema = CONVERSATION_SCHEMA if kind == "conversation" else JOURNAL_SCHEMA
    return {"type": "json_schema", "json_schema": {"name": f"wellness_{kind}", "strict": True, "schema": schema}}


class InvalidOutput(ValueError):
    """The model's answer is not the schema's, or names a speaker who does not take part."""


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidOutput(f"{where} must be a non-empty string")
    if len(value) > MAX_TEXT:
        raise InvalidOutput(f"{where} is longer than {MAX_TEXT} characters")
    return value.strip()


def parse(kind: str, content: str | None, participants: list[dict[str, Any]]) -> dict[str, Any]:
    """The checked answer: ``{"title", "turns": [{"speaker": {"kind", "id", "name"}, "text"}]}`` for a
    conversation (names filled in from ``participants``), ``{"title", "entry"}`` for a journal.

    Raises:
        InvalidOutput: not JSON, not the schema, an unknown speaker, no turns or too many.
    """
    if content is None:
        raise InvalidOutput("the model returned no content")
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        raise InvalidOutput(f"not JSON: {exc.msg} at {exc.pos}") from None
    if not isinstance(data, dict):
        raise InvalidOutput("not a JSON object")
    title = _text(data.get("title"), "title")
    if kind == "journal":
        return {"title": title, "entry": _text(data.get("entry"), "entry")}
    turns = data.get("turns")
    if not isinstance(turns, list) or not turns:
        raise InvalidOutput("turns must be a non-empty list")
    if len(turns) > MAX_TURNS:
        raise InvalidOutput(f"more than {MAX_TURNS} turns")
    cast = {(p["kind"], str(p["id"])): p for p in participants}
    out = []
    for i, turn in enumerate(turns):
        speaker = turn.get("speaker") if isinstance(turn, dict) else None
        if not isinstance(speaker, dict):
            raise InvalidOutput(f"turns.{i}.speaker must be an object")
        key = (speaker.get("kind"), str(speaker.get("id")))
        if key not in cast:
            raise InvalidOutput(f"turns.{i}.speaker {key[0]}:{key[1]} is not a participant")
        who = cast[key]
        out.append({"speaker": {"kind": who["kind"], "id": str(who["id"]), "name": who["name"]},
                    "text": _text(turn.get("text"), f"turns.{i}.text")})
    return {"title": title, "turns": out}


def complete_turns(content: str, participants: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The turns already complete in the partial text of a conversation being streamed, checked and
    named as :func:`parse` does, stopping before the first one that is unfinished or wrong (the
    final :func:`parse` of the whole answer still decides).

    A turn is complete once its ``speaker.kind``, ``speaker.id`` and ``text`` strings are all closed:
    the strict schema allows no other key. The partial JSON is read by pydantic-core's
    ``from_json(allow_partial=True)`` (jiter, the openai SDK's own partial parser), which leaves
    unfinished strings out.
    """
    try:
        data = pydantic_core.from_json(content.encode(), allow_partial=True)
    except ValueError:
        return []
    turns = data.get("turns") if isinstance(data, dict) else None
    if not isinstance(turns, list):
        return []
    cast = {(p["kind"], str(p["id"])): p for p in participants}
    out = []
    for turn in turns[:MAX_TURNS]:
        speaker = turn.get("speaker") if isinstance(turn, dict) else None
        if not isinstance(speaker, dict) or "id" not in speaker or "text" not in turn:
            break
        who = cast.get((speaker.get("kind"), str(speaker.get("id"))))
        text = turn.get("text")
        if who is None or not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
            break
        out.append({"speaker": {"kind": who["kind"], "id": str(who["id"]), "name": who["name"]}, "text": text.strip()})
    return out
