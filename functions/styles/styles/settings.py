"""Styles product settings (environment variables set by functions/styles/template.yaml)."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class StylesSettings(BaseSettings):
    """Attributes:
    welcome_tokens: tokens granted once to every new user (document 004, M1-Auth-Backend: 100).
    cognito_domain_url: the user pool's hosted UI origin (``https://<prefix>.auth.<region>.amazoncognito.com``,
        the root stack's ``UserPoolDomain``): ``/oauth2/authorize``, ``/oauth2/token`` and ``/oauth2/revoke``
        live under it (Amazon Cognito developer guide, "User pool endpoints and managed login reference").
    cognito_token_url, cognito_revoke_url: those two endpoints when not under ``cognito_domain_url``
        (tests and ``backlot dev`` point them at a local fake).
    user_pool_client_id: the app client (public: no secret) that signs users in.
    oauth_callback_url: where the hosted UI sends the browser back: this API's
        ``/api/auth/google/callback`` as the client's ``CallbackURLs`` lists it (the same string: the
        token endpoint compares ``redirect_uri``).
    oauth_scopes: the scopes asked for (space-separated).
    oauth_identity_provider: the user pool's provider name for Google (``Google``).
    oauth_timeout_s: the longest one call to the OAuth endpoints may take (connect and read).
    """

    model_config = SettingsConfigDict(extra="ignore")

    welcome_tokens: int = 100
    cognito_domain_url: str = "http://127.0.0.1:3000/cognito-not-configured"
    cognito_token_url: str | None = None
    cognito_revoke_url: str | None = None
    user_pool_client_id: str = "backlot-local"
    oauth_callback_url: str = "http://127.0.0.1:3000/styles/api/auth/google/callback"
    oauth_scopes: str = "openid email profile"
    oauth_identity_provider: str = "Google"
    oauth_timeout_s: float = 5.0

    @property
    def authorize_url(self) -> str:
        """The hosted UI's authorization endpoint."""
        return self.cognito_domain_url.rstrip("/") + "/oauth2/authorize"

    @property
    def token_url(self) -> str:
        """The token endpoint (RFC 6749 section 3.2)."""
        return self.cognito_token_url or self.cognito_domain_url.rstrip("/") + "/oauth2/token"

    @property
    def revoke_url(self) -> str:
        """The revocation endpoint (RFC 7009)."""
        return self.cognito_revoke_url or self.cognito_domain_url.rstrip("/") + "/oauth2/revoke"


@lru_cache(maxsize=1)
def get_settings() -> StylesSettings:
    """Process-wide settings (read once per execution environment; tests call ``cache_clear``)."""
    return StylesSettings()
