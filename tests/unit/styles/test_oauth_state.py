"""The sign-in state and PKCE values (``styles.users.state``): RFC 7636 shapes, signature, expiry,
binding to the browser's verifier."""

from __future__ import annotations

import base64
import hashlib

import pytest

from styles.errors import InvalidState
from styles.users import state

KEY = b"k" * 64


def test_the_challenge_is_the_s256_of_the_verifier() -> None:
    login = state.new_login(KEY)
    assert 43 <= len(login.verifier) <= 128  # RFC 7636 section 4.1
    expected = base64.urlsafe_b64encode(hashlib.sha256(login.verifier.encode()).digest()).decode().rstrip("=")
    assert login.challenge == expected
    assert login.verifier not in login.state and login.challenge not in login.state


def test_a_fresh_state_with_its_verifier_passes() -> None:
    login = state.new_login(KEY, now=1_000)
    state.check(KEY, state=login.state, verifier=login.verifier, now=1_000 + state.STATE_TTL_S)


@pytest.mark.parametrize("case", ["expired", "other-key", "other-verifier", "no-signature", "bad-payload", "empty"])
def test_anything_else_is_refused(case: str) -> None:
    login = state.new_login(KEY, now=1_000)
    value, verifier, key, now = login.state, login.verifier, KEY, 1_000
    if case == "expired":
        now = 1_000 + state.STATE_TTL_S + 1
    elif case == "other-key":
        key = b"x" * 64
    elif case == "other-verifier":
        verifier = state.new_login(KEY).verifier
    elif case == "no-signature":
        value = value.split(".")[0]
    elif case == "bad-payload":
        value = "e30." + value.split(".")[1]
    elif case == "empty":
        value = ""
    with pytest.raises(InvalidState):
        state.check(key, state=value, verifier=verifier, now=now)


def test_two_logins_never_share_values() -> None:
    a, b = state.new_login(KEY), state.new_login(KEY)
    assert len({a.state, b.state, a.verifier, b.verifier, a.challenge, b.challenge}) == 6
