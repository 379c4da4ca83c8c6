"""amoCRM (API v4) as a crm-kpi plug-in (see ``crm_kpi.sources.registry``)."""

from __future__ import annotations

from crm_kpi.sources.common import plugin as part
from crm_kpi.sources.common.accounts import section, setting
from crm_kpi.sources.registry import CrmPlugin

from .helpers.errors import AmoCrmConfigError

CRM = "amocrm"

_missing_settings = part.lazy("crm_kpi.sources.amocrm.helpers.accounts:missing_settings")


def _label(name: str) -> str:
    """The account's subdomain, else its name."""
    return str(setting(f"{section(CRM, name)}.subdomain") or name)


PLUGIN = CrmPlugin(
    name=CRM,
    title="amoCRM",
    raw_schema="raw_amocrm",
    account_column="account_id",
    source=part.account_source("crm_kpi.sources.amocrm:amocrm_source", "accounts"),
    accounts=part.configured_accounts(
        CRM, "accounts", _missing_settings, _label, AmoCrmConfigError
    ),
    missing_settings=_missing_settings,
    raw_suites=part.raw_suites("crm_kpi.sources.amocrm.raw_quality"),
    emulator="crm_kpi_emulators.amocrm.demo:EMULATOR",
    extras={
        # account_key, manager_id, email of the raw users (the sales plan's manager check)
        "users_sql": (
            "select 'amocrm:' || cast(account_id as varchar), cast(id as varchar), email"
            " from raw_amocrm.users"
        ),
    },
)
