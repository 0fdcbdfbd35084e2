"""What one generation costs, by aspect ratio (design document 004, M4 "POST /api/images/generate":
"Calculate cost based on aspect_ratio").

The document names the rule but gives no figures; these are ours (docs/decisions.md, styles).
The aspect ratios are the ones the hosted provider's FLUX LoRA predictions accept
(``aspect_ratio`` input of black-forest-labs/flux-dev and the LoRAs trained from it), each
rendered at about one megapixel; a wider frame costs a little more because the prompt has more
canvas to fill and the artist's style more to carry. Amounts are whole tokens (STYLES.md).
The 100 welcome tokens (issue 12 item 2) pay for ten square images.
"""

from __future__ import annotations

#: aspect ratio -> (width, height) in pixels, both multiples of 16, about one megapixel.
DIMENSIONS: dict[str, tuple[int, int]] = {
    "1:1": (1024, 1024),
    "4:3": (1184, 896),
    "3:4": (896, 1184),
    "3:2": (1248, 832),
    "2:3": (832, 1248),
    "16:9": (1344, 768),
    "9:16": (768, 1344),
}

#: aspect ratio -> tokens per generation.
COSTS: dict[str, int] = {
    "1:1": 10,
    "4:3": 12,
    "3:4": 12,
    "3:2": 12,
    "2:3": 12,
    "16:9": 15,
    "9:16": 15,
}

ASPECT_RATIOS: tuple[str, ...] = tuple(DIMENSIONS)


class UnknownAspectRatio(ValueError):
    """The aspect ratio is not one of :data:`ASPECT_RATIOS` (the route answers 400 naming
    ``aspect_ratio`` and the accepted values)."""

    def __init__(self, aspect_ratio: str):
        super().__init__(f"aspect_ratio must be one of {', '.join(ASPECT_RATIOS)} (got {aspect_ratio!r})")
        self.aspect_ratio = aspect_ratio


def cost_of(aspect_ratio: str) -> int:
    """Tokens one generation at ``aspect_ratio`` costs (a positive int).

    Raises:
        UnknownAspectRatio: ``aspect_ratio`` is not offered.
    """
    try:
        return COSTS[aspect_ratio]
    except KeyError:
        raise UnknownAspectRatio(aspect_ratio) from None


def dimensions_of(aspect_ratio: str) -> tuple[int, int]:
    """(width, height) in pixels of an image at ``aspect_ratio``.

    Raises:
        UnknownAspectRatio: ``aspect_ratio`` is not offered.
    """
    try:
        return DIMENSIONS[aspect_ratio]
    except KeyError:
        raise UnknownAspectRatio(aspect_ratio) from None
