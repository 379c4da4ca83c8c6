"""Authentication of the amoCRM source: a long-lived token, or OAuth 2.0 with rotating tokens.

amoCRM refresh tokens are single-use, so every refresh goes through the shared token store
(``crm_kpi.sources.common.token_store``): under an inter-process lock, re-read, refresh, persist
atomically, then use. A 401 triggers one refresh and one retry (``AmoRestClient``); a token
about to expire is refreshed before the request instead.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import requests
from requests import PreparedRequest
from requests.auth import AuthBase

from crm_kpi.sources.common.token_store import TokenPair, TokenStore, refresh_with_rotation

from .errors import AmoCrmAuthError, error_for_response

logger = logging.getLogger("crm_kpi.ingestion.amocrm")

TOKEN_ENDPOINT = "/oauth2/access_token"
# Refresh this long before the access token expires, rather than waiting for a 401.
EXPIRY_MARGIN_SECONDS = 1.0


@dataclass(frozen=True)
class OAuthClient:
    """The integration's OAuth credentials (Settings → Integrations → Keys)."""

    client_id: str
    client_secret: str
    redirect_uri: str


class TokenEndpoint:
    """``POST /oauth2/access_token`` of one account, through the account's session."""

    def __init__(self, base_url: str, oauth: OAuthClient, session: requests.Session) -> None:
        self.url = base_url.rstrip("/") + TOKEN_ENDPOINT
        self.oauth = oauth
        self.session = session

    def exchange_code(self, code: str) -> TokenPair:
        """Trade an authorization code (valid 20 minutes, single use) for a token pair."""
        return self._grant({"grant_type": "authorization_code", "code": code})

    def refresh(self, refresh_token: str) -> TokenPair:
        """Trade a refresh token (single use) for a new pair."""
        return self._grant({"grant_type": "refresh_token", "refresh_token": refresh_token})

    def _grant(self, grant: dict[str, str]) -> TokenPair:
        body: dict[str, Any] = {
            "client_id": self.oauth.client_id,
            "client_secret": self.oauth.client_secret,
            "redirect_uri": self.oauth.redirect_uri,
            **grant,
        }
        # No retries: a refresh the server applied but whose answer was lost burns the token.
        response = self.session.post(self.url, json=body, timeout=30)
        if response.status_code != 200:
            if response.status_code in (400, 401):
                raise AmoCrmAuthError(
                    f"amoCRM {TOKEN_ENDPOINT}: HTTP {response.status_code}: the "
                    f"{grant['grant_type'].replace('_', ' ')} was refused ({response.text[:200]}). "
                    "The refresh token may have been used already or revoked: authorize the "
                    "integration again and set SOURCES__AMOCRM__AUTHORIZATION_CODE (see README)."
                )
            raise error_for_response(TOKEN_ENDPOINT, response)
        payload = response.json()
        # Expiry on our clock (the server's lifetime counted from now), not on server_time.
        return TokenPair(
            access_token=str(payload["access_token"]),
            refresh_token=str(payload["refresh_token"]),
            expires_at=time.time() + float(payload.get("expires_in") or 86400),
        )


class AmoOAuth2Auth(AuthBase):
    """Bearer auth from a token store, refreshed (with rotation) when expiring or refused."""

    def __init__(self, store: TokenStore, endpoint: TokenEndpoint) -> None:
        self.store = store
        self.endpoint = endpoint
        self._pair: TokenPair | None = None
        self.refreshes = 0

    def bootstrap(self, authorization_code: str | None) -> None:
        """Make sure the store holds a pair: exchange the code when the store is empty."""
        if self.store.load() is not None:
            return
        if not authorization_code:
            raise AmoCrmAuthError(
                f"no OAuth tokens in {self.store.path} and no authorization code: set "
                "SOURCES__AMOCRM__AUTHORIZATION_CODE to a fresh code (valid 20 minutes) for the "
                "first run, or use a long-lived token (SOURCES__AMOCRM__ACCESS_TOKEN)"
            )
        with self.store.locked():
            if self.store.load() is None:
                self.store.save(self.endpoint.exchange_code(authorization_code))
                logger.info("amoCRM: authorization code exchanged; tokens in %s", self.store.path)

    @property
    def pair(self) -> TokenPair:
        """The pair in use: the stored one, refreshed first if it is about to expire."""
        if self._pair is None or not self._pair.is_valid(margin=EXPIRY_MARGIN_SECONDS):
            self._pair = refresh_with_rotation(
                self.store, self._refresh, min_validity=EXPIRY_MARGIN_SECONDS
            )
        return self._pair

    def refresh_after_rejection(self, rejected_access_token: str) -> None:
        """The server refused ``rejected_access_token`` (401): get a newer pair."""
        self._pair = refresh_with_rotation(
            self.store,
            self._refresh,
            rejected_access_token=rejected_access_token,
            min_validity=EXPIRY_MARGIN_SECONDS,
        )

    def _refresh(self, refresh_token: str) -> TokenPair:
        self.refreshes += 1
        return self.endpoint.refresh(refresh_token)

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.pair.access_token}"
        return request


def bearer_of(request: PreparedRequest) -> str | None:
    """The access token a prepared request was sent with."""
    header = request.headers.get("Authorization") or ""
    return header[len("Bearer ") :] if header.startswith("Bearer ") else None
