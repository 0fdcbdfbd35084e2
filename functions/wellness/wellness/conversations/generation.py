"""Generating one pending conversation or journal synchronously (the on-demand SQS job; issue 11
items 1, 2, 4, 5), and the pieces the nightly batches share: budget reservation and settlement,
recording a generation, applying an answer.

One generation in three steps, so no database lock is held while the model writes:

1. (transaction) lock the row; skip it unless ``pending`` and not claimed by a concurrent delivery;
   build its request from the day's data when it has none; without an API key write it offline
   now; else reserve the estimated cost against the user's and the global daily budget (refused:
   ``failed`` with reason ``budget_exceeded``, for good) and claim the row for the call's timeout.
2. the chat completion, streamed (no transaction held; each complete turn of a conversation is
   written in its own short transaction, status ``generating``).
3. (transaction) record the generation (model, tokens, cost), settle the budget to the real cost,
   and mark the row ``ready``, or count a failed attempt (still ``pending`` until
   ``ai_max_attempts``, then ``failed`` with the reason). Only while the row still holds this
   attempt's claim (the ``claimed_until`` it wrote, its token): an attempt that outlived its claim
   and was taken over only records and pays for its call (and writes no turns).

A 429 or a connection error raises :class:`RetryLater` after releasing the claim and the
reservation: the SQS message comes back after its visibility timeout (backoff) and, after
``maxReceiveCount`` receives, rests in the dead-letter queue; the row still says ``pending`` with the
last reason, so nothing is silent.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import openai
import psycopg

from backlot import db
from backlot.observability import logger, metrics

from wellness.conversations import offline, output, pricing, prompt, provider
from wellness.conversations import repository as repo
from wellness.settings import WellnessSettings, get_settings

#: the global budget's row (``wellness.ai_budget.user_id`` NULL)
GLOBAL = None
#: what :func:`generate` returns for an attempt whose claim another attempt took over
SUPERSEDED = "superseded"


class RetryLater(RuntimeError):
    """The generation could not be made now (rate limit, provider down, a concurrent delivery);
    the message must be delivered again."""


def utc_day() -> date:
    return datetime.now(timezone.utc).date()


def request_for(settings: WellnessSettings, context: dict[str, Any]) -> dict[str, Any]:
    """The chat completion body for a context, with the kind's model, temperature and max tokens."""
    if context["kind"] == "journal":
        return prompt.build_request(context, model=settings.journal_model, temperature=settings.journal_temperature,
                                    max_tokens=settings.journal_max_tokens)
    return prompt.build_request(context, model=settings.conversation_model, temperature=settings.conversation_temperature,
                                max_tokens=settings.conversation_max_tokens)


def context_of(conn: Any, row: dict[str, Any]) -> dict[str, Any]:
    """A row's prompt context: its cast, type, mood and the figures of its day."""
    found = repo.contexts(conn, [row["user_id"]], [row["for_date"]]).get(row["user_id"]) or {}
    ctx = {"kind": row["kind"], "conversation_type": row["conversation_type"], "mood": row["mood"],
           "for_date": row["for_date"], "participants": row["participants"], "usage": found.get("usage"),
           "patterns": found.get("patterns")}
    if row["kind"] == "journal":
        ctx["subject"] = row["participants"][0]
    return ctx


def reserve(conn: Any, settings: WellnessSettings, user_id: UUID, amount: Decimal, day: date) -> bool:
    """Reserve ``amount`` against the global and the user's budget of ``day`` (global first, always in
    this order, so two reservations never wait on each other crosswise). False: either would pass
    its limit; nothing is reserved (the caller's transaction, or the savepoint here, is undone)."""
    with conn.transaction():  # a savepoint: a refusal by the user's budget gives the global one back
        if not repo.reserve(conn, day, GLOBAL, amount, Decimal(str(settings.ai_global_daily_budget_usd))):
            return False
        if not repo.reserve(conn, day, user_id, amount, Decimal(str(settings.ai_user_daily_budget_usd))):
            raise _Refused
        return True


class _Refused(Exception):
    pass


def try_reserve(conn: Any, settings: WellnessSettings, user_id: UUID, amount: Decimal, day: date) -> bool:
    """:func:`reserve` with the user-budget refusal turned into False (savepoint rolled back)."""
    try:
        return reserve(conn, settings, user_id, amount, day)
    except _Refused:
        return False


def settle(conn: Any, user_id: UUID, day: date | None, reserved: Decimal | None, actual: Decimal) -> None:
    """Replace a reservation by the real cost in both budgets."""
    if day is None:
        return
    delta = actual - (reserved or Decimal(0))
    if delta:
        repo.adjust(conn, day, GLOBAL, delta)
        repo.adjust(conn, day, user_id, delta)


def apply_answer(conn: Any, settings: WellnessSettings, row: dict[str, Any], answer: provider.Answer, *, mode: str) -> str:
    """Record a model's answer for a locked pending row (tokens, cost, budget settled) and mark it
    ready, or count the failed attempt. Returns the row's new status."""
    model = answer.model or row["request"]["model"]
    price_model = model if model in settings.ai_prices else row["request"]["model"]
    cost = pricing.cost(settings.ai_prices, price_model, answer.input_tokens, answer.output_tokens,
                        batch=mode == "batch", batch_discount=settings.ai_batch_discount)
    settle(conn, row["user_id"], row["reserved_day"], row["reserved_usd"], cost)
    repo.release(conn, row["id"])
    try:
        if answer.refusal:
            raise output.InvalidOutput(f"the model refused: {answer.refusal[:200]}")
        if answer.finish_reason == "length":
            raise output.InvalidOutput("the answer was cut at max_tokens")
        parsed = output.parse(row["kind"], answer.content, row["participants"])
    except output.InvalidOutput as exc:
        reason = f"invalid_output: {exc}"
        repo.record_generation(conn, row, provider="openai", model=model, mode=mode, input_tokens=answer.input_tokens,
                               output_tokens=answer.output_tokens, cost_usd=cost, outcome="invalid", reason=reason)
        metrics.add_metric(name="GenerationInvalid", unit="Count", value=1)
        logger.warning("model answer rejected", extra={"conversation_id": str(row["id"]), "reason": reason})
        return repo.mark_attempt_failed(conn, row["id"], reason, settings.ai_max_attempts)
    repo.record_generation(conn, row, provider="openai", model=model, mode=mode, input_tokens=answer.input_tokens,
                           output_tokens=answer.output_tokens, cost_usd=cost, outcome="ok", reason=None)
    repo.mark_ready(conn, row["id"], "openai", model, parsed)
    return "ready"


def write_offline(conn: Any, row: dict[str, Any]) -> str:
    """The offline generator's text for a locked pending row (no cost), checked like a model's."""
    content = offline.generate(context_of(conn, row), seed=str(row["id"]))
    parsed = output.parse(row["kind"], content, row["participants"])
    repo.record_generation(conn, row, provider="offline", model="offline-templates", mode="offline", input_tokens=0,
                           output_tokens=0, cost_usd=Decimal(0), outcome="ok", reason=None)
    repo.mark_ready(conn, row["id"], "offline", "offline-templates", parsed)
    return "ready"


class _Progress:
    """Writes the turns of a streamed conversation as each one completes (one short transaction per
    new turn, none held during the call). A failed write is logged and skipped: the turns are a
    preview, the answer's final write (:func:`apply_answer`) is what counts."""

    def __init__(self, row_id: UUID, kind: str, participants: list[dict[str, Any]], claim_token: datetime) -> None:
        self.row_id, self.kind, self.participants, self.claim_token = row_id, kind, participants, claim_token
        self.written = 0

    def __call__(self, content: str) -> None:
        if self.kind != "conversation":
            return
        turns = output.complete_turns(content, self.participants)
        if len(turns) > self.written:
            try:
                with db.transaction() as conn:
                    if repo.write_progress(conn, self.row_id, turns, self.claim_token):
                        self.written = len(turns)
            except psycopg.Error:  # progress is a preview: the final write decides, the stream goes on
                logger.warning("turns not shown while generating", extra={"conversation_id": str(self.row_id)}, exc_info=True)


def generate(row_id: UUID, settings: WellnessSettings | None = None) -> str:
    """Generate one pending row now, streamed: each complete turn of a conversation is written as it
    arrives (status ``generating``), so ``GET /conversations/{id}/`` shows the first line long
    before the last (design document 001, known limitation 2 "No Streaming"). Returns the status
    afterwards (``ready``, ``failed``, ``pending`` when an attempt failed and will be retried, or
    the status it already had), or ``superseded``: this attempt ran past its claim and another one
    took the row over (its call recorded and charged, the row left to the other attempt).

    A stream cut mid-way is a failed attempt: its partial turns are dropped, its tokens (the
    estimated prompt and the pieces received) recorded as an ``error`` generation and charged to
    the budgets, and the row retried like any failed attempt.

    Raises:
        RetryLater: a rate limit, a provider error or a concurrent generation of the same row (the
            message must come back); the row stays ``pending`` with the reason.
    """
    settings = settings or get_settings()
    with db.transaction() as conn:
        row = repo.lock(conn, row_id)
        if row is None or row["status"] not in ("pending", "generating"):
            return row["status"] if row else "missing"
        if row["claimed_until"] is not None and row["claimed_until"] > datetime.now(timezone.utc):
            raise RetryLater("a generation of this row is under way")
        if not settings.openai_key():
            return write_offline(conn, row)
        body = row["request"] or request_for(settings, context_of(conn, row))
        repo.set_request(conn, row_id, body)
        estimate = pricing.estimate(settings.ai_prices, body)
        day = utc_day()
        if not try_reserve(conn, settings, row["user_id"], estimate, day):
            metrics.add_metric(name="GenerationOverBudget", unit="Count", value=1)
            return repo.mark_attempt_failed(conn, row_id, "budget_exceeded: the daily AI budget is spent", 1, final=True)
        token = repo.claim(conn, row_id, int(settings.openai_timeout_s) + 30, estimate, day)
        kind, participants = row["kind"], row["participants"]
    try:
        answer = provider.stream(settings, body, _Progress(row_id, kind, participants, token), settings.openai_timeout_s)
    except provider.StreamBroken as exc:
        return _stream_broken(settings, row_id, body, exc, (token, estimate, day))
    except (provider.RateLimited, openai.APIError) as exc:
        reason = f"rate_limited: retry after {exc.retry_after} s" if isinstance(exc, provider.RateLimited) \
            else provider.exception_reason(exc)
        logger.warning("generation call failed", extra={"conversation_id": str(row_id), "error": str(exc)[:500]})
        with db.transaction() as conn:
            row = repo.lock(conn, row_id)
            if row["claimed_until"] != token:  # another attempt took the row over: give back only ours
                settle(conn, row["user_id"], day, estimate, Decimal(0))
                return SUPERSEDED
            settle(conn, row["user_id"], row["reserved_day"], row["reserved_usd"], Decimal(0))
            repo.release(conn, row_id)
            status = repo.mark_attempt_failed(conn, row_id, reason[:500], settings.ai_max_attempts + 2)
        if status == "failed":
            return status
        raise RetryLater(reason) from None
    with db.transaction() as conn:
        row = repo.lock(conn, row_id)
        if row["claimed_until"] != token:
            return _superseded(conn, settings, row, body, answer.model, answer.input_tokens, answer.output_tokens,
                               estimate, day)
        return apply_answer(conn, settings, row, answer, mode="sync")


def _superseded(conn: Any, settings: WellnessSettings, row: dict[str, Any], body: dict[str, Any], model: str,
                input_tokens: int, output_tokens: int, reserved: Decimal, day: date) -> str:
    """The end of an attempt whose claim another attempt took over (it ran past its claim, and the
    message came back): the row is the other attempt's now, so it is left as it is; this call was
    made and is paid: recorded as an ``error`` generation (``claim_lost``) and charged, this
    attempt's own reservation settled to that cost. Returns :data:`SUPERSEDED`."""
    price_model = model if model in settings.ai_prices else body["model"]
    cost = pricing.cost(settings.ai_prices, price_model, input_tokens, output_tokens)
    settle(conn, row["user_id"], day, reserved, cost)
    repo.record_generation(conn, row, provider="openai", model=price_model, mode="sync", input_tokens=input_tokens,
                           output_tokens=output_tokens, cost_usd=cost, outcome="error",
                           reason="claim_lost: the attempt ran past its claim and another one took the row over")
    metrics.add_metric(name="GenerationClaimLost", unit="Count", value=1)
    logger.warning("generation superseded", extra={"conversation_id": str(row["id"])})
    return SUPERSEDED


def _stream_broken(settings: WellnessSettings, row_id: UUID, body: dict[str, Any], exc: provider.StreamBroken,
                   claim: tuple[datetime, Decimal, date]) -> str:
    """A failed attempt for a stream cut mid-way: the tokens it used recorded and charged (prompt
    estimated, one token a piece received), partial turns dropped; ``pending`` to be retried.
    ``claim``: this attempt's (token, reservation, day); taken over: :func:`_superseded`."""
    input_tokens = pricing.estimate_input_tokens(body)
    model = exc.model if exc.model in settings.ai_prices else body["model"]
    cost = pricing.cost(settings.ai_prices, model, input_tokens, exc.output_tokens)
    reason = f"stream_cut: {exc}"[:500]
    with db.transaction() as conn:
        row = repo.lock(conn, row_id)
        token, reserved, day = claim
        if row["claimed_until"] != token:
            return _superseded(conn, settings, row, body, exc.model, input_tokens, exc.output_tokens, reserved, day)
        settle(conn, row["user_id"], row["reserved_day"], row["reserved_usd"], cost)
        repo.release(conn, row_id)
        repo.record_generation(conn, row, provider="openai", model=model, mode="sync", input_tokens=input_tokens,
                               output_tokens=exc.output_tokens, cost_usd=cost, outcome="error", reason=reason)
        metrics.add_metric(name="GenerationStreamCut", unit="Count", value=1)
        logger.warning("stream cut", extra={"conversation_id": str(row_id), "reason": reason})
        return repo.mark_attempt_failed(conn, row_id, reason, settings.ai_max_attempts)
