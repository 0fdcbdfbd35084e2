"""Request and response bodies of the styles API (design document 004). Requests are strict
(``backlot.models.RequestModel``: unknown fields and NUL refused, rules in the schema so they are
422s); responses are allow-lists (``backlot.models.PublicModel``) wrapped in the success envelope
(``styles.http_api.Success``). Branch sgen keeps its models' shapes in its own modules.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from backlot.models import PublicModel, RequestModel
from pydantic import Field

TransactionType = Literal["purchase", "consume", "refund", "welcome", "earn"]
Direction = Literal["incoming", "outgoing", "system"]

PURCHASE_MIN, PURCHASE_MAX, PURCHASE_STEP = 100, 1_000_000, 100
"""Document 004, M2-Token-API: "amount (100-1,000,000, multiples of 100)"."""


# ---------------------------------------------------------------- tokens
class Balance(PublicModel):
    """``GET /api/tokens/balance/``: whole tokens."""

    balance: int


class PurchaseRequest(RequestModel):
    """``POST /api/tokens/purchase/``: ``amount`` tokens, 100 to 1,000,000 in steps of 100, a JSON
    integer (``"100"``, ``100.0`` and ``true`` are refused); ``payment_method`` as the gateway knows it."""

    amount: int = Field(strict=True, ge=PURCHASE_MIN, le=PURCHASE_MAX, multiple_of=PURCHASE_STEP,
                        description="tokens: 100..1000000, a multiple of 100")
    payment_method: Literal["card", "paypal", "mock"] = "card"


class TransactionPublic(PublicModel):
    """One ledger entry as the API shows it (M2-Token-API "TokenTransactionSerializer"): ``amount``
    is the size of the movement (> 0) and ``direction`` which way it went: ``outgoing`` (tokens
    spent), ``incoming`` (earned from another user's use of your style) or ``system`` (purchase,
    refund, welcome grant). ``balance_after`` is the balance the movement left."""

    id: UUID
    type: TransactionType
    amount: int
    direction: Direction
    reason: str
    reference_type: str | None = None
    reference_id: str | None = None
    balance_after: int
    created_at: datetime


class PurchasePublic(PublicModel):
    """``POST /api/tokens/purchase/``: the new balance and the purchase's ledger entry."""

    balance: int
    transaction: TransactionPublic


class TransactionPage(PublicModel):
    """A page of ledger entries, newest first; ``next_cursor`` is None on the last page."""

    items: list[TransactionPublic]
    next_cursor: str | None = None


# ---------------------------------------------------------------- notifications
class NotificationPublic(PublicModel):
    """One notification (M5-Notification)."""

    id: UUID
    type: str
    title: str
    message: str
    link: str | None = None
    is_read: bool
    created_at: datetime


class NotificationPage(PublicModel):
    """``GET /api/notifications``: a page newest first, and how many of the user's are unread."""

    items: list[NotificationPublic]
    next_cursor: str | None = None
    unread_count: int


class MarkedAllRead(PublicModel):
    """``POST /api/notifications/mark-all-read``: how many notifications were marked read."""

    updated: int


# ---------------------------------------------------------------- accounts
class ArtistProfile(PublicModel):
    """An artist's profile."""

    bio: str
    website_url: str | None = None


class UserPublic(PublicModel):
    """The signed-in user (M1-Auth-Backend "Return user data"; fields of "User model customization")."""

    id: UUID = Field(validation_alias="user_id")
    email: str | None = None
    display_name: str | None = None
    role: Literal["user", "artist", "admin"]
    token_balance: int
    profile_image_url: str | None = None
    provider: str | None = None
    artist: ArtistProfile | None = None
    created_at: datetime


class TokenSet(PublicModel):
    """The user pool's tokens (Amazon Cognito "Token endpoint" answer): send ``id_token`` as
    ``Authorization: Bearer``; ``refresh_token`` renews them and is what logout revokes;
    ``expires_in`` in seconds."""

    id_token: str
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str


class SignInPublic(PublicModel):
    """``GET /api/auth/google/callback``: the user (made on first sign-in, with the welcome tokens),
    their tokens, and whether this sign-in made them."""

    user: UserPublic
    tokens: TokenSet
    is_new_user: bool


class LogoutRequest(RequestModel):
    """``POST /api/auth/logout``: the refresh token to revoke (optional: without one, nothing is revoked)."""

    refresh_token: str | None = Field(default=None, min_length=1, max_length=8192)


class LoggedOut(PublicModel):
    """``POST /api/auth/logout``: done (also when the token was already revoked)."""

    logged_out: bool
