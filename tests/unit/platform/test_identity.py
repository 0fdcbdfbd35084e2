"""``backlot.identity``'s mapping of Cognito's refusals (botocore's stubber answers as Cognito does)."""

from __future__ import annotations

import pytest
from botocore.stub import Stubber

from backlot import identity


@pytest.fixture()
def cognito(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    identity._client.cache_clear()
    client = identity._client()
    with Stubber(client) as stub:
        yield stub
    identity._client.cache_clear()


def test_confirming_a_confirmed_user_is_harmless_and_an_unknown_one_is_not(cognito: Stubber) -> None:
    cognito.add_client_error("admin_confirm_sign_up", "NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED")
    identity.confirm("pool", "a@example.com")
    cognito.add_client_error("admin_confirm_sign_up", "UserNotFoundException", "User does not exist.")
    with pytest.raises(identity.IdentityError) as found:
        identity.confirm("pool", "b@example.com")
    assert found.value.kind == "invalid_credentials"


@pytest.mark.parametrize(("code", "kind"), [("UsernameExistsException", "user_exists"), ("InvalidPasswordException", "invalid_password"),
                                            ("TooManyRequestsException", "too_many_requests"), ("InternalErrorException", "unavailable")])
def test_sign_up_refusals_have_a_kind(cognito: Stubber, code: str, kind: str) -> None:
    cognito.add_client_error("sign_up", code, "no")
    with pytest.raises(identity.IdentityError) as found:
        identity.sign_up("pool", "client", "a@example.com", "pw")
    assert found.value.kind == kind


def test_a_challenge_instead_of_tokens_is_unavailable(cognito: Stubber) -> None:
    cognito.add_response("initiate_auth", {"ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": "s" * 20, "ChallengeParameters": {}})
    with pytest.raises(identity.IdentityError) as found:
        identity.log_in("client", "a@example.com", "pw")
    assert found.value.kind == "unavailable" and "NEW_PASSWORD_REQUIRED" in found.value.message


def test_deleting_a_missing_user_is_a_retry(cognito: Stubber) -> None:
    cognito.add_client_error("admin_delete_user", "UserNotFoundException", "User does not exist.")
    assert identity.delete_user("pool", "gone@example.com") is False
    cognito.add_response("admin_delete_user", {})
    assert identity.delete_user("pool", "here@example.com") is True
