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

import dlt

from .auth import OAuthClient
from .errors import AmoCrmConfigError

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
        middle = "" if self.name == "default" else f"{self.name.upper()}__"
        return f"SOURCES__AMOCRM__{middle}{key}"

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
    if accounts is None:
        return []
    parts = accounts.split(",") if isinstance(accounts, str) else list(accounts)
    names = [part.strip() for part in parts if part and part.strip()]
    for name in names:
        if not name.replace("_", "").isalnum():
            raise AmoCrmConfigError(
                f"amoCRM account name {name!r} (SOURCES__AMOCRM__ACCOUNTS) must be letters, "
                "digits or underscores"
            )
    if len(set(names)) != len(names):
        raise AmoCrmConfigError(f"SOURCES__AMOCRM__ACCOUNTS names an account twice: {names}")
    return names


def named_account(name: str, defaults: AccountSettings) -> AccountSettings:
    """The settings of account ``name`` from ``sources.amocrm.<name>.*``, over ``defaults``."""
    values = {}
    for field in dataclasses.fields(AccountSettings):
        if field.name == "name":
            continue
        provider = dlt.secrets if field.name in SECRET_FIELDS else dlt.config
        value = provider.get(f"sources.amocrm.{name}.{field.name}")
        if value is not None:
            values[field.name] = value
    inherited = {"requests_per_second": defaults.requests_per_second}
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


def _get(key: str, secret: bool) -> str | None:
    provider = dlt.secrets if secret else dlt.config
    try:
        value = provider.get(key)
    except Exception:  # noqa: BLE001 - a provider that cannot answer means "not set"
        return None
    return str(value) if value not in (None, "") else None


def missing_settings() -> list[str]:
    """The settings still needed before amoCRM can be loaded (empty: ready).

    Understands one account or ``SOURCES__AMOCRM__ACCOUNTS``, long-lived tokens or OAuth.
    """
    names = parse_names(_get("sources.amocrm.accounts", secret=False))
    missing = []
    for name in names or ["default"]:
        prefix = "sources.amocrm" if name == "default" else f"sources.amocrm.{name}"
        env = AccountSettings(name=name).env
        if not (_get(f"{prefix}.subdomain", False) or _get(f"{prefix}.base_url", False)):
            missing.append(env("SUBDOMAIN"))
        has_token = _get(f"{prefix}.access_token", True)
        has_oauth = _get(f"{prefix}.client_id", False) and _get(f"{prefix}.client_secret", True)
        if not (has_token or has_oauth):
            missing.append(
                f"{env('ACCESS_TOKEN')} (or {env('CLIENT_ID')} and {env('CLIENT_SECRET')})"
            )
    return missing
