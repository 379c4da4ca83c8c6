"""amoCRM (API v4) as a crm-kpi plug-in (see ``crm_kpi.sources.registry``)."""

from __future__ import annotations

from typing import Any

from crm_kpi.sources.common.accounts import DEFAULT_ACCOUNT, account_names, setting
from crm_kpi.sources.common.accounts import section as config_section
from crm_kpi.sources.registry import CrmAccount, CrmPlugin

CRM = "amocrm"


def _missing_settings() -> list[str]:
    from .helpers.accounts import missing_settings

    return missing_settings()


def _accounts() -> list[CrmAccount]:
    if _missing_settings():
        return []
    from .helpers.accounts import ACCOUNTS_KEY
    from .helpers.errors import AmoCrmConfigError

    return [
        CrmAccount(
            crm=CRM,
            name=name,
            label=str(setting(f"{config_section(CRM, name)}.subdomain") or name),
        )
        for name in account_names(CRM, ACCOUNTS_KEY, AmoCrmConfigError)
    ]


def _source(account: CrmAccount | None = None, **overrides: Any) -> Any:
    from . import amocrm_source

    if account is not None and account.name != DEFAULT_ACCOUNT:
        overrides.setdefault("accounts", account.name)
    return amocrm_source(**overrides)


def _raw_suites() -> list[Any]:
    from crm_kpi.quality.suites import raw_amocrm

    return list(raw_amocrm.SUITES)


PLUGIN = CrmPlugin(
    name=CRM,
    title="amoCRM",
    raw_schema="raw_amocrm",
    account_column="account_id",
    source=_source,
    accounts=_accounts,
    missing_settings=_missing_settings,
    raw_suites=_raw_suites,
    emulator="crm_kpi_emulators.amocrm.demo:EMULATOR",
    extras={
        # account_key, manager_id, email of the raw users (the sales plan's manager check)
        "users_sql": (
            "select 'amocrm:' || cast(account_id as varchar), cast(id as varchar), email"
            " from raw_amocrm.users"
        ),
    },
)
