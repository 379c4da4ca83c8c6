"""Which amoCRM accounts are configured, and what is still missing (no HTTP)."""

from __future__ import annotations

import pytest

from crm_kpi.sources.amocrm.helpers.accounts import (
    AccountSettings,
    configured_accounts,
    missing_settings,
    parse_names,
)
from crm_kpi.sources.amocrm.helpers.errors import AmoCrmConfigError


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("SOURCES__AMOCRM"):
            monkeypatch.delenv(key)


def test_names_are_parsed_and_checked() -> None:
    assert parse_names(" main, eu ,") == ["main", "eu"]
    assert parse_names(None) == []
    with pytest.raises(AmoCrmConfigError, match="twice"):
        parse_names("a,a")
    with pytest.raises(AmoCrmConfigError, match="letters"):
        parse_names("a-b")


def test_one_account_from_top_level_settings() -> None:
    defaults = AccountSettings(name="default", subdomain="acme", access_token="t")
    (account,) = configured_accounts(None, defaults)
    assert account.url == "https://acme.amocrm.ru"
    account.validate()


def test_named_accounts_read_their_own_section(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCES__AMOCRM__EU__SUBDOMAIN", "acme-eu")
    monkeypatch.setenv("SOURCES__AMOCRM__EU__BASE_URL", "https://acme-eu.kommo.com/")
    monkeypatch.setenv("SOURCES__AMOCRM__EU__ACCESS_TOKEN", "eu-token")
    monkeypatch.setenv("SOURCES__AMOCRM__RU__SUBDOMAIN", "acme")
    monkeypatch.setenv("SOURCES__AMOCRM__RU__CLIENT_ID", "id")
    monkeypatch.setenv("SOURCES__AMOCRM__RU__CLIENT_SECRET", "secret")
    monkeypatch.setenv("SOURCES__AMOCRM__RU__REDIRECT_URI", "https://example.test/cb")
    defaults = AccountSettings(name="default", requests_per_second=3.0)
    eu, ru = configured_accounts("eu,ru", defaults)
    assert (eu.url, eu.access_token, eu.requests_per_second) == (
        "https://acme-eu.kommo.com",
        "eu-token",
        3.0,
    )
    assert ru.oauth is not None and ru.access_token is None
    eu.validate()
    ru.validate()


def test_missing_credentials_name_the_variables() -> None:
    account = AccountSettings(name="eu", subdomain="acme")
    with pytest.raises(AmoCrmConfigError, match="SOURCES__AMOCRM__EU__ACCESS_TOKEN"):
        account.validate()
    oauth_without_redirect = AccountSettings(
        name="default", subdomain="acme", client_id="i", client_secret="s"
    )
    with pytest.raises(AmoCrmConfigError, match="SOURCES__AMOCRM__REDIRECT_URI"):
        oauth_without_redirect.validate()


def test_missing_settings_understands_oauth_and_several_accounts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert missing_settings() == [
        "SOURCES__AMOCRM__SUBDOMAIN",
        "SOURCES__AMOCRM__ACCESS_TOKEN (or SOURCES__AMOCRM__CLIENT_ID and "
        "SOURCES__AMOCRM__CLIENT_SECRET)",
    ]
    monkeypatch.setenv("SOURCES__AMOCRM__SUBDOMAIN", "acme")
    monkeypatch.setenv("SOURCES__AMOCRM__CLIENT_ID", "id")
    monkeypatch.setenv("SOURCES__AMOCRM__CLIENT_SECRET", "secret")
    assert missing_settings() == []
    monkeypatch.setenv("SOURCES__AMOCRM__ACCOUNTS", "main,eu")
    monkeypatch.setenv("SOURCES__AMOCRM__MAIN__SUBDOMAIN", "acme")
    monkeypatch.setenv("SOURCES__AMOCRM__MAIN__ACCESS_TOKEN", "t")
    assert missing_settings() == [
        "SOURCES__AMOCRM__EU__SUBDOMAIN",
        "SOURCES__AMOCRM__EU__ACCESS_TOKEN (or SOURCES__AMOCRM__EU__CLIENT_ID and "
        "SOURCES__AMOCRM__EU__CLIENT_SECRET)",
    ]
