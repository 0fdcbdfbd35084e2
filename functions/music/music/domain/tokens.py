"""Player device tokens.

A token is ``blp_`` followed by 32 random bytes in URL-safe base64 (256 bits from
:func:`secrets.token_urlsafe`). Only its SHA-256 is stored (``music.players.token_hash``): a token
this random cannot be guessed or brute-forced from its hash, so a slow password hash adds nothing
(the reasoning of GitHub's and PyPI's API tokens). The token is shown once, when the player is
created or its token rotated.
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "blp_"
MAX_TOKEN_LENGTH = 200


def new_token() -> str:
    """A fresh device token (``blp_`` + 43 URL-safe characters)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> bytes:
    """SHA-256 of the token's UTF-8 bytes (32 bytes), what the database stores and looks up."""
    return hashlib.sha256(token.encode("utf-8")).digest()


def token_hint(token: str) -> str:
    """The first 8 characters, shown to managers to tell tokens apart (reveals 4 random chars)."""
    return token[:8]


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None when the header is
    missing, of another scheme, empty, too long or not printable ASCII."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    value = value.strip()
    if not value or len(value) > MAX_TOKEN_LENGTH or not value.isascii() or not value.isprintable() or " " in value:
        return None
    return value
