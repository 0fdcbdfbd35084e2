"""Shapes every product's API shares: the strict request model base and the presigned upload.

Request models (:class:`RequestModel`) refuse unknown fields (a typo is a clear 422, not silently
ignored), strip surrounding whitespace, and refuse NUL (``\\u0000``) in any string, nested ones
included: PostgreSQL ``text`` cannot store it. The OpenAPI document says so: every string of a
request model without a pattern, format or enumeration of its own carries :data:`NO_NUL_PATTERN`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

NUL = "\x00"
NO_NUL_PATTERN = "^[^\\u0000]*$"
"""A JSON Schema (ECMA-262) pattern: no NUL character anywhere in the string."""


def no_nul(value: Any) -> Any:
    """Refuse NUL in a string, or in any string inside lists, tuples or dicts of ``value``."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                raise ValueError("must not contain NUL (\\u0000) characters")
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
    return value


def _say_no_nul(schema: Any) -> None:
    if isinstance(schema, dict):
        if schema.get("type") == "string" and not ({"pattern", "format", "enum", "const"} & schema.keys()):
            schema["pattern"] = NO_NUL_PATTERN
        for key, sub in schema.items():
            if key in ("properties", "$defs"):
                for each in sub.values():
                    _say_no_nul(each)
            elif key in ("items", "additionalProperties"):
                _say_no_nul(sub)
            elif key in ("anyOf", "oneOf", "allOf", "prefixItems"):
                for each in sub:
                    _say_no_nul(each)


def json_number(value: Any) -> Any:
    """Refuse what pydantic's lax mode would turn into a number but JSON does not call one:
    ``true``/``false`` (Python's bool is an int) and strings (``"5"``). Request bodies are JSON, and
    the OpenAPI document says ``integer`` / ``number`` (found by schemathesis' negative data)."""
    if isinstance(value, (bool, str)):
        raise ValueError("must be a JSON number")
    return value


#: An ``int`` field of a request body that takes only a JSON number (``3`` or ``3.0``, not ``true`` or ``"3"``).
JsonInt = Annotated[int, BeforeValidator(json_number)]
#: A ``float`` field of a request body that takes only a JSON number (not ``true`` or ``"1.5"``).
JsonFloat = Annotated[float, BeforeValidator(json_number)]
#: With bounds on an optional field, put the bounds before the validator,
#: ``Annotated[int, Field(ge=0), BeforeValidator(json_number)] | None``: written after it (as
#: ``Annotated[JsonInt, Field(ge=0)] | None``), pydantic still enforces them but writes them into the
#: OpenAPI document as unknown keywords (``"ge": 0``) instead of ``minimum``, so clients never see them.


class RequestModel(BaseModel):
    """Base of every request body: strict (see the module docstring)."""

    # defer_build: a model's validator is built when first needed (FastAPI builds the request
    # models of the routes it defines at import), so an entry module does not pay for the other
    # resources' models at cold start.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True,
                              json_schema_extra=lambda schema, cls: _say_no_nul(schema))

    _no_nul = field_validator("*")(no_nul)


class PublicModel(BaseModel):
    """Base of every response body: built from an allow-list, its own fields (anything else the
    service's row holds is dropped, so a new column never leaks by default)."""

    model_config = ConfigDict(extra="ignore", defer_build=True, from_attributes=True)


class PresignedUpload(PublicModel):
    """A presigned S3 POST (S3 API reference, "POST Object"; "Browser-based uploads using POST"):
    POST ``fields`` then the file (form field ``file``, last) to ``url`` as ``multipart/form-data``
    before ``expires_in`` seconds pass; the policy bounds the size to ``max_bytes`` and pins the type."""

    url: str
    fields: dict[str, str]
    max_bytes: int = Field(ge=1)
    expires_in: int = Field(ge=1, description="seconds")


class LinkPage(PublicModel):
    """Base of a DRF-style page (Django REST Framework, "Pagination": ``{"next", "previous",
    "results"}``): a subclass adds ``results: list[XPublic]``. ``next``/``previous`` are absolute URLs
    of the neighbouring pages (the request's URL with its ``cursor`` replaced), null at either end;
    ``backlot.pagination.links`` builds them."""

    next: str | None = Field(description="URL of the next page; null on the last page")
    previous: str | None = Field(description="URL of the previous page; null on the first page")
