"""Bitrix24 (REST) as a crm-kpi plug-in (see ``crm_kpi.sources.registry``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from crm_kpi.sources.common.accounts import DEFAULT_ACCOUNT, account_names, setting
from crm_kpi.sources.common.accounts import section as config_section
from crm_kpi.sources.registry import CrmAccount, CrmPlugin

CRM = "bitrix24"


def _missing_settings() -> list[str]:
    from .helpers.portals import missing_settings

    return missing_settings()


def _label(name: str) -> str:
    """The portal's domain: ``PORTAL``, else the webhook's host, else the account name."""
    section = config_section(CRM, name)
    portal = setting(f"{section}.portal")
    if not portal:
        url = setting(f"{section}.webhook_url", secret=True)
        portal = urlparse(str(url)).hostname if url else None
    return str(portal or name)


def _accounts() -> list[CrmAccount]:
    if _missing_settings():
        return []
    from .helpers.portals import PORTALS_KEY

    return [
        CrmAccount(crm=CRM, name=name, label=_label(name))
        for name in account_names(CRM, PORTALS_KEY)
    ]


def _source(account: CrmAccount | None = None, **overrides: Any) -> Any:
    from . import bitrix24_source

    if account is not None and account.name != DEFAULT_ACCOUNT:
        overrides.setdefault("portals", account.name)
    return bitrix24_source(**overrides)


def _raw_suites() -> list[Any]:
    from crm_kpi.quality.suites import raw_bitrix24

    return list(raw_bitrix24.SUITES)


PLUGIN = CrmPlugin(
    name=CRM,
    title="Bitrix24",
    raw_schema="raw_bitrix24",
    account_column="portal",
    source=_source,
    accounts=_accounts,
    missing_settings=_missing_settings,
    raw_suites=_raw_suites,
    emulator="crm_kpi_emulators.bitrix24.demo:EMULATOR",
    extras={
        # account_key, manager_id, email of the raw users (the sales plan's manager check)
        "users_sql": (
            "select 'bitrix24:' || portal, cast(id as varchar), email from raw_bitrix24.users"
        ),
    },
)
