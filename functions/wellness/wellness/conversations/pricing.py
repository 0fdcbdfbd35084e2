"""Cost of a generation from the settings' price table (USD per million tokens, input and output;
OpenAI's price list; the Batch API costs half: OpenAI "Batch API", "50% cost discount")."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

MILLION = Decimal(1_000_000)


def cost(prices: dict[str, tuple[float, float]], model: str, input_tokens: int, output_tokens: int, *,
         batch: bool = False, batch_discount: float = 0.5) -> Decimal:
    """USD (6 decimals) of one call. A model missing from ``prices`` raises ``KeyError`` (a model
    without a price must not be used: its spend could not be budgeted)."""
    inp, out = prices[model]
    total = (Decimal(str(inp)) * input_tokens + Decimal(str(out)) * output_tokens) / MILLION
    if batch:
        total *= Decimal(str(batch_discount))
    return total.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


def estimate_input_tokens(body: dict) -> int:
    """A cautious token count of a request's messages (about 4 characters a token in English text,
    OpenAI's rule of thumb, rounded up, + 10 per message), used to reserve budget before a call."""
    chars = sum(len(m.get("content") or "") for m in body.get("messages", []))
    return chars // 3 + 10 * len(body.get("messages", [])) + 50


def estimate(prices: dict[str, tuple[float, float]], body: dict, *, batch: bool = False, batch_discount: float = 0.5) -> Decimal:
    """The most a request may cost: its estimated input and all of ``max_completion_tokens``."""
    return cost(prices, body["model"], estimate_input_tokens(body), int(body.get("max_completion_tokens") or 1000),
                batch=batch, batch_discount=batch_discount)
