"""amoCRM (API v4) as a crm-kpi plug-in (see ``crm_kpi.sources.registry``)."""

from __future__ import annotations

from typing import Any

import dlt

from crm_kpi.sources.registry import CrmAccount, CrmPlugin


def _accounts() -> list[CrmAccount]:
    from .helpers.accounts import AccountSettings, configured_accounts, missing_settings

    if missing_settings():
        return []
    defaults = AccountSettings(name="default", subdomain=dlt.config.get("sources.amocrm.subdomain"))
    return [
        CrmAccount(crm="amocrm", name=a.name, label=a.subdomain or a.name)
        for a in configured_accounts(dlt.config.get("sources.amocrm.accounts"), defaults)
    ]


def _source(account: CrmAccount | None = None, **overrides: Any) -> Any:
    from . import amocrm_source

    if account is not None and account.name != "default":
        overrides.setdefault("accounts", account.name)
    return amocrm_source(**overrides)


def _missing_settings() -> list[str]:
    from .helpers.accounts import missing_settings

    return missing_settings()


def _raw_suites() -> list[Any]:
    from crm_kpi.quality.suites import raw_amocrm

    return list(raw_amocrm.SUITES)


PLUGIN = CrmPlugin(
    name="amocrm",
    title="amoCRM",
    raw_schema="raw_amocrm",
    account_column="account_id",
    source=_source,
    accounts=_accounts,
    missing_settings=_missing_settings,
    raw_suites=_raw_suites,
    emulator="crm_kpi_emulators.amocrm:AmoCrmEmulator",
)
