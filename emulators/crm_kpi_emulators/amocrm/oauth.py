"""Bearer tokens: the static (long-lived) token and amoCRM's OAuth 2.0 token endpoint."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from .options import EmulatorOptions
from .responses import Request, Response, plain_json, problem

CODE_TTL = 20 * 60  # an authorization code lives 20 minutes and is single-use


class TokenRegistry:
    """Which bearer tokens are valid, and the ``POST /oauth2/access_token`` exchange.

    Refresh tokens rotate: each refresh returns a new one and the old one stops working.
    """

    def __init__(
        self, static_token: str, options: EmulatorOptions, clock: Callable[[], float] = time.time
    ) -> None:
        self.static_token = static_token
        self.options = options
        self._clock = clock
        self._lock = threading.Lock()
        self._access: dict[str, float] = {}  # token -> expiry
        self._refresh: set[str] = set()
        self._codes: dict[str, float] = {}

    def is_valid(self, authorization: str | None) -> bool:
        """Whether an ``Authorization`` header carries a valid bearer token."""
        token = _bearer(authorization)
        if token is None:
            return False
        if token == self.static_token or token in self._user_tokens():
            return True
        with self._lock:
            expiry = self._access.get(token)
        return expiry is not None and self._clock() < expiry

    def user_of(self, authorization: str | None) -> int | None:
        """The user a long-lived user token acts as; ``None`` for the admin's tokens."""
        token = _bearer(authorization)
        return None if token is None else self._user_tokens().get(token)

    def _user_tokens(self) -> dict[str, int]:
        """``token -> user id`` of the configured long-lived user tokens."""
        return dict(self.options.user_tokens)

    def issue_code(self) -> str:
        """An authorization code, as if a user had just granted access to the integration."""
        code = "def50200" + secrets.token_hex(24)
        with self._lock:
            self._codes[code] = self._clock() + CODE_TTL
        return code

    @property
    def valid_refresh_tokens(self) -> set[str]:
        """The refresh tokens that would still be accepted (a copy)."""
        with self._lock:
            return set(self._refresh)

    def expire_access_tokens(self) -> None:
        """Make every OAuth access token expire now (to test refreshing)."""
        with self._lock:
            self._access = {token: 0.0 for token in self._access}

    def exchange(self, request: Request) -> Response:
        """Handle ``POST /oauth2/access_token`` (JSON or form body)."""
        if request.method != "POST":
            return problem(405, "Use POST")
        body = _form(request)
        options = self.options
        if (
            body.get("client_id") != options.client_id
            or body.get("client_secret") != options.client_secret
        ):
            return problem(401, "Client authentication failed", hint="Unknown client")
        if body.get("redirect_uri") != options.redirect_uri:
            return problem(400, "Redirect URI mismatch", hint="Check redirect_uri")
        grant = body.get("grant_type")
        now = self._clock()
        with self._lock:
            if grant == "authorization_code":
                expiry = self._codes.pop(str(body.get("code")), None)
                if expiry is None or now >= expiry:
                    return problem(400, "Authorization code has expired or was used")
            elif grant == "refresh_token":
                token = str(body.get("refresh_token"))
                if token not in self._refresh:
                    return problem(400, "Token has been revoked", hint="Refresh token is invalid")
                self._refresh.discard(token)
            else:
                return problem(400, "The authorization grant type is not supported")
            access, refresh = secrets.token_urlsafe(32), "def50200" + secrets.token_hex(32)
            self._access[access] = now + options.access_token_ttl
            self._refresh.add(refresh)
        return plain_json(
            200,
            {
                "token_type": "Bearer",
                "expires_in": options.access_token_ttl,
                "server_time": int(now),
                "access_token": access,
                "refresh_token": refresh,
            },
        )


def _bearer(authorization: str | None) -> str | None:
    """The token of a ``Bearer`` ``Authorization`` header, else ``None``."""
    if not authorization or not authorization.startswith("Bearer "):
        return None
    return authorization[len("Bearer ") :].strip()


def _form(request: Request) -> dict[str, Any]:
    content_type = (request.header("Content-Type") or "").lower()
    text = request.body.decode("utf-8", errors="replace")
    if "json" in content_type or text.lstrip().startswith("{"):
        try:
            loaded = json.loads(text or "{}")
        except json.JSONDecodeError:
            return {}
        return loaded if isinstance(loaded, dict) else {}
    return dict(parse_qsl(text))
