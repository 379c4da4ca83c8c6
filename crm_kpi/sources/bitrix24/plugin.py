"""Bitrix24 (REST) as a crm-kpi plug-in (see ``crm_kpi.sources.registry``)."""

from __future__ import annotations

from urllib.parse import urlparse

from crm_kpi.sources.common import plugin as part
from crm_kpi.sources.common.accounts import section, setting
from crm_kpi.sources.registry import CrmPlugin

CRM = "bitrix24"

_missing_settings = part.lazy("crm_kpi.sources.bitrix24.helpers.portals:missing_settings")


def _label(name: str) -> str:
    """The portal's domain: ``PORTAL``, else the webhook's host, else the account name."""
    portal = setting(f"{section(CRM, name)}.portal")
    if not portal:
        url = setting(f"{section(CRM, name)}.webhook_url", secret=True)
        portal = urlparse(str(url)).hostname if url else None
    return str(portal or name)


PLUGIN = CrmPlugin(
    name=CRM,
    title="Bitrix24",
    raw_schema="raw_bitrix24",
    account_column="portal",
    source=part.account_source("crm_kpi.sources.bitrix24:bitrix24_source", "portals"),
    accounts=part.configured_accounts(CRM, "portals", _missing_settings, _label),
    missing_settings=_missing_settings,
    raw_suites=part.raw_suites("crm_kpi.sources.bitrix24.raw_quality"),
    emulator="crm_kpi_emulators.bitrix24.demo:EMULATOR",
    extras={
        # account_key, manager_id, email of the raw users (the sales plan's manager check)
        "users_sql": (
            "select 'bitrix24:' || portal, cast(id as varchar), email from raw_bitrix24.users"
        ),
    },
)
