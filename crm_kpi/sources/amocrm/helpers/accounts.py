"""Which amoCRM accounts to load, and with which credentials.

One account: the plain dlt settings ``SOURCES__AMOCRM__SUBDOMAIN``, ``..._ACCESS_TOKEN`` (or the
OAuth settings ``..._CLIENT_ID``, ``..._CLIENT_SECRET``, ``..._REDIRECT_URI`` and, for the
first run, ``..._AUTHORIZATION_CODE``).

Several accounts: ``SOURCES__AMOCRM__ACCOUNTS=main,eu`` names them; each name then has the
same settings one level down, ``SOURCES__AMOCRM__MAIN__SUBDOMAIN``,
``SOURCES__AMOCRM__EU__ACCESS_TOKEN``, ... (in TOML: ``[sources.amocrm.main]``). Settings not
given for a named account (e.g. ``REQUESTS_PER_SECOND``) fall back to the top-level ones.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from crm_kpi.sources.common import accounts as common

from .auth import OAuthClient
from .errors import AmoCrmConfigError

CRM = "amocrm"
ACCOUNTS_KEY = "accounts"
DEFAULT_BASE_URL = "https://{subdomain}.amocrm.ru"
SECRET_FIELDS = frozenset({"access_token", "client_secret", "authorization_code"})


@dataclass(frozen=True)
class AccountSettings:
    """The settings of one amoCRM account."""

    name: str
    subdomain: str | None = None
    base_url: str | None = None
    access_token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    redirect_uri: str | None = None
    authorization_code: str | None = None
    token_path: str | None = None
    requests_per_second: float | None = None
    proxy: str | None = None  # "env" (default), "none" or a URL: common.proxies

    @property
    def url(self) -> str:
        """The account's address: an explicit base URL wins, else ``{subdomain}.amocrm.ru``."""
        if self.base_url:
            return self.base_url.rstrip("/")
        if not self.subdomain:
            raise AmoCrmConfigError(
                f"amoCRM account '{self.name}': set {self.env('SUBDOMAIN')} "
                f"(or {self.env('BASE_URL')})"
            )
        return DEFAULT_BASE_URL.format(subdomain=self.subdomain)

    @property
    def oauth(self) -> OAuthClient | None:
        """The OAuth client when the account uses OAuth instead of a long-lived token."""
        if not (self.client_id and self.client_secret):
            return None
        return OAuthClient(self.client_id, self.client_secret, self.redirect_uri or "")

    def env(self, key: str) -> str:
        """The environment variable that sets ``key`` for this account."""
        return common.env_name(CRM, self.name, key)

    def tokens_file(self, data_dir: Path) -> Path:
        """Where this account's OAuth tokens live (``token_path`` or the data folder)."""
        if self.token_path:
            return Path(self.token_path).expanduser()
        label = self.subdomain or self.name
        return data_dir / "tokens" / f"amocrm_{label}.json"

    def validate(self) -> None:
        """Raise a clear error when the account can neither use a token nor OAuth."""
        _ = self.url
        if not self.access_token and self.oauth is None:
            raise AmoCrmConfigError(
                f"amoCRM account '{self.name}' has no credentials: set "
                f"{self.env('ACCESS_TOKEN')} (long-lived token) or {self.env('CLIENT_ID')} and "
                f"{self.env('CLIENT_SECRET')} (OAuth)"
            )
        if self.oauth is not None and not self.redirect_uri:
            raise AmoCrmConfigError(
                f"amoCRM account '{self.name}' uses OAuth: set {self.env('REDIRECT_URI')} to the "
                "integration's redirect URI"
            )


def parse_names(accounts: str | list[str] | None) -> list[str]:
    """``"main, eu"`` or ``["main", "eu"]`` → ``["main", "eu"]``."""
    return common.parse_names(CRM, ACCOUNTS_KEY, accounts, AmoCrmConfigError)


def named_account(name: str, defaults: AccountSettings) -> AccountSettings:
    """The settings of account ``name`` from ``sources.amocrm.<name>.*``, over ``defaults``."""
    fields = [field.name for field in dataclasses.fields(AccountSettings) if field.name != "name"]
    values = common.account_values(CRM, name, fields, SECRET_FIELDS)
    inherited = {"requests_per_second": defaults.requests_per_second, "proxy": defaults.proxy}
    merged = {**{k: v for k, v in inherited.items() if v is not None}, **values}
    if "requests_per_second" in merged:
        merged["requests_per_second"] = float(merged["requests_per_second"])
    return AccountSettings(name=name, **merged)


def configured_accounts(
    accounts: str | list[str] | None, defaults: AccountSettings
) -> list[AccountSettings]:
    """Every account to load: the named ones, or else the single top-level one.

    Credentials are checked when an account is first used (``AccountSettings.validate``), so
    that describing the source (e.g. for Dagster) needs no configuration.
    """
    names = parse_names(accounts)
    return [named_account(name, defaults) for name in names] if names else [defaults]


# What each account needs (see ``crm_kpi.sources.common.accounts.missing``).
REQUIRED = (
    (("subdomain", "base_url"), "{SUBDOMAIN}"),
    (
        ("access_token!", "client_id+client_secret!"),
        "{ACCESS_TOKEN} (or {CLIENT_ID} and {CLIENT_SECRET})",
    ),
)


def missing_settings() -> list[str]:
    """The settings still needed before amoCRM can be loaded (empty: ready).

    Understands one account or ``SOURCES__AMOCRM__ACCOUNTS``, long-lived tokens or OAuth.
    """
    names = common.account_names(CRM, ACCOUNTS_KEY, AmoCrmConfigError)
    return [text for name in names for text in common.missing(CRM, name, REQUIRED)]
