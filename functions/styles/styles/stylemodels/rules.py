"""The rules of a style model's request, without I/O (design document 004, M2-Style-Model-API):

* "Validate: 10-100 images required", "JPG/PNG only, max 10MB each";
* a name unique among the artist's models that are not deleted ("Test duplicate name
  validation"; compared case-insensitively, trimmed), 1-100 characters;
* tags "in order" ("Include tags array with sequence"): trimmed, 1-50 characters, duplicates
  (case-insensitive) dropped keeping the first, at most :data:`MAX_TAGS`.

Each check raises :class:`RuleBroken` naming the field (``images``, ``images[3]``, ``name``,
``tags[2]``), which the route turns into a 400 in the document's error shape.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from uuid import UUID

MIN_IMAGES = 10
MAX_IMAGES = 100
MAX_TAGS = 10
MAX_TAG_LEN = 50
MAX_NAME_LEN = 100
MAX_DESCRIPTION_LEN = 2000
ACCEPTED_TYPES = ("image/jpeg", "image/png")
MAX_PROMPT_TAGS = 20


class RuleBroken(ValueError):
    """A rule of the request is broken: ``field`` names it, ``code`` is the product's error code."""

    def __init__(self, field: str, message: str, code: str = "validation_error"):
        super().__init__(message)
        self.field = field
        self.message = message
        self.code = code


def check_image_count(count: int) -> None:
    """Raises RuleBroken (``images``, ``invalid_image_count``) outside 10..100."""
    if not MIN_IMAGES <= count <= MAX_IMAGES:
        raise RuleBroken("images", f"a style model needs {MIN_IMAGES} to {MAX_IMAGES} images (got {count})",
                         "invalid_image_count")


def check_image_size(index: int, size: int, max_bytes: int) -> None:
    """Raises RuleBroken (``images[i]``, ``image_too_large``) above ``max_bytes``; empty files too."""
    if size <= 0:
        raise RuleBroken(f"images[{index}]", "the file is empty", "invalid_image")
    if size > max_bytes:
        raise RuleBroken(f"images[{index}]", f"the file is larger than {max_bytes // (1024 * 1024)} MB",
                         "image_too_large")


def check_image_type(index: int, content_type: str | None) -> None:
    """Raises RuleBroken (``images[i]``, ``invalid_image``) unless JPEG or PNG."""
    if content_type not in ACCEPTED_TYPES:
        raise RuleBroken(f"images[{index}]", "only JPEG and PNG images are accepted", "invalid_image")


def clean_name(name: str) -> str:
    """The trimmed name. Raises RuleBroken (``name``) when empty or over 100 characters."""
    value = " ".join(name.split())
    if not value:
        raise RuleBroken("name", "name is required")
    if len(value) > MAX_NAME_LEN:
        raise RuleBroken("name", f"name is at most {MAX_NAME_LEN} characters")
    return value


def clean_description(text: str | None) -> str:
    """The trimmed description ('' when absent). Raises RuleBroken over 2000 characters."""
    value = (text or "").strip()
    if len(value) > MAX_DESCRIPTION_LEN:
        raise RuleBroken("description", f"description is at most {MAX_DESCRIPTION_LEN} characters")
    return value


def clean_tags(tags: list[str], *, field: str = "tags", max_tags: int = MAX_TAGS) -> list[str]:
    """Tags in the caller's order, trimmed, inner spaces collapsed, case-insensitive duplicates
    dropped (first kept).

    Raises:
        RuleBroken: an empty or too long tag (``tags[i]``), or more than ``max_tags``.
    """
    seen: set[str] = set()
    out: list[str] = []
    for i, raw in enumerate(tags):
        tag = " ".join(str(raw).split())
        if not tag:
            raise RuleBroken(f"{field}[{i}]", "a tag cannot be empty")
        if len(tag) > MAX_TAG_LEN:
            raise RuleBroken(f"{field}[{i}]", f"a tag is at most {MAX_TAG_LEN} characters")
        if tag.casefold() not in seen:
            seen.add(tag.casefold())
            out.append(tag)
    if len(out) > max_tags:
        raise RuleBroken(field, f"at most {max_tags} tags")
    return out


def split_tag_list(values: list[str]) -> list[str]:
    """Form fields may carry tags one per field or comma-separated (``tags=a,b``): one flat list."""
    return [part for value in values for part in str(value).split(",") if part.strip()]


def trigger_word(model_id: UUID) -> str:
    """The LoRA's trigger word: a rare token derived from the model id (stable, so a re-sent
    training uses the same), e.g. ``STY3F9A2C``."""
    return "STY" + hashlib.sha256(model_id.bytes).hexdigest()[:6].upper()


def build_prompt(trigger: str, prompt_tags: list[str]) -> str:
    """The prompt sent to the provider: the trigger word, then the user's tags in order."""
    return ", ".join([trigger, *prompt_tags])


@dataclass(frozen=True)
class ImageSlot:
    """One announced training image of a presigned upload: position, declared type and size."""

    position: int
    content_type: str
    size: int
