"""Which Bitrix24 portals to load, and the client of each.

One portal: the plain dlt settings ``SOURCES__BITRIX24__PORTAL`` and
``SOURCES__BITRIX24__WEBHOOK_URL`` (or OAuth: ``..._CLIENT_ID``, ``..._CLIENT_SECRET``,
``..._TOKEN_FILE``). Several: ``SOURCES__BITRIX24__PORTALS=main,eu`` names them; each name
has the same settings one level down (``SOURCES__BITRIX24__MAIN__PORTAL``, ... ; in TOML
``[sources.bitrix24.main]``). The throttle and timeout settings not given for a named portal
fall back to the top-level ones (see ``crm_kpi.sources.common.accounts``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import requests

from crm_kpi.sources.common import accounts as common
from crm_kpi.sources.common.proxies import apply_proxy
from crm_kpi.sources.common.token_store import TokenPair, TokenStore, refresh_with_rotation

from ..settings import DEFAULT_OAUTH_SERVER
from .client import Bitrix24Client
from .errors import api_error

CRM = "bitrix24"
PORTALS_KEY = "portals"
SECRET_FIELDS = frozenset({"webhook_url", "client_secret"})
INHERITED = ("oauth_server", "requests_per_second", "burst", "timeout_s", "proxy")

# What each portal needs (see ``crm_kpi.sources.common.accounts.missing``).
REQUIRED = (
    (("portal",), "{PORTAL}"),
    (
        ("webhook_url!", "token_file+client_secret!"),
        "{WEBHOOK_URL} (or CLIENT_ID, CLIENT_SECRET, TOKEN_FILE)",
    ),
)


@dataclass(frozen=True)
class PortalSettings:
    """The settings of one Bitrix24 portal."""

    name: str
    portal: str | None = None
    webhook_url: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    token_file: str | None = None
    base_url: str | None = None
    oauth_server: str = DEFAULT_OAUTH_SERVER
    requests_per_second: float = 2.0
    burst: int = 40
    timeout_s: float = 60.0
    timezone: str | None = None
    proxy: str | None = None  # "env" (default), "none" or a URL: common.proxies

    @property
    def key(self) -> str:
        """``bitrix24:<portal>``: the tenant key of the catalogue, and of cursor state."""
        return f"bitrix24:{self.portal}"

    def env(self, key: str) -> str:
        """The environment variable that sets ``key`` for this portal."""
        return common.env_name(CRM, self.name, key)

    def client(self) -> Bitrix24Client:
        """The REST client: the webhook, else OAuth with the token-pair file."""
        options = {
            "requests_per_second": float(self.requests_per_second),
            "burst": int(self.burst),
            "timeout_s": float(self.timeout_s),
            "proxy": self.proxy,
        }
        if self.webhook_url:
            return Bitrix24Client(self.webhook_url, **options)
        if self.client_id and self.client_secret and self.token_file:
            current, renew = _oauth_callbacks(
                self.client_id, self.client_secret, self.token_file, self.oauth_server, self.proxy
            )
            rest = (self.base_url or f"https://{self.portal}").rstrip("/") + "/rest/"
            return Bitrix24Client(rest, access_token=current, refresh_token=renew, **options)
        raise ValueError(
            f"Bitrix24 needs {self.env('WEBHOOK_URL')}, or {self.env('CLIENT_ID')}, "
            f"{self.env('CLIENT_SECRET')} and {self.env('TOKEN_FILE')} for OAuth"
        )


def parse_names(portals: str | list[str] | None) -> list[str]:
    """``"main, eu"`` -> ``["main", "eu"]`` (checked)."""
    return common.parse_names(CRM, PORTALS_KEY, portals)


def named_portal(name: str, defaults: PortalSettings) -> PortalSettings:
    """The settings of portal ``name`` from ``sources.bitrix24.<name>.*``, over ``defaults``."""
    fields = [field.name for field in dataclasses.fields(PortalSettings) if field.name != "name"]
    values = common.account_values(CRM, name, fields, SECRET_FIELDS)
    inherited = {key: getattr(defaults, key) for key in INHERITED}
    return PortalSettings(name=name, **{**inherited, **values})


def configured_portals(
    portals: str | list[str] | None, defaults: PortalSettings
) -> list[PortalSettings]:
    """Every portal to load: the named ones, or else the single top-level one."""
    names = parse_names(portals)
    return [named_portal(name, defaults) for name in names] if names else [defaults]


def missing_settings() -> list[str]:
    """The settings still needed before Bitrix24 can be loaded (empty: ready)."""
    names = common.account_names(CRM, PORTALS_KEY)
    return [text for name in names for text in common.missing(CRM, name, REQUIRED)]


def _oauth_callbacks(
    client_id: str,
    client_secret: str,
    token_file: str,
    oauth_server: str,
    proxy: str | None = None,
) -> tuple[Any, Any]:
    store = TokenStore(token_file)
    session = requests.Session()
    apply_proxy(session, proxy, "SOURCES__BITRIX24__PROXY")

    def refresh(refresh_token: str) -> TokenPair:
        response = session.get(
            oauth_server.rstrip("/") + "/oauth/token/",
            params={
                "grant_type": "refresh_token",
                "client_id": client_id,
                "client_secret": client_secret,
                "refresh_token": refresh_token,
            },
            timeout=60,
        )
        body = response.json()
        if response.status_code != 200 or "access_token" not in body:
            raise api_error(
                "oauth/token",
                body.get("error"),
                body.get("error_description", ""),
                response.status_code,
            )
        return TokenPair(body["access_token"], body["refresh_token"], float(body["expires"]))

    def current() -> str:
        pair = store.load()
        if pair is None:
            return refresh_with_rotation(store, refresh).access_token
        return pair.access_token

    def renew(rejected: str) -> str:
        return refresh_with_rotation(store, refresh, rejected_access_token=rejected).access_token

    return current, renew
