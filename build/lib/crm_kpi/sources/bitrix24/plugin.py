"""Bitrix24 (REST) as a crm-kpi plug-in (see ``crm_kpi.sources.registry``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import dlt

from crm_kpi.sources.registry import CrmAccount, CrmPlugin


def _missing_settings() -> list[str]:
    from crm_kpi.preflight import bitrix24_missing_settings

    return bitrix24_missing_settings()


def _accounts() -> list[CrmAccount]:
    if _missing_settings():
        return []
    portal = dlt.config.get("sources.bitrix24.portal")
    if not portal:
        url = dlt.secrets.get("sources.bitrix24.webhook_url")
        portal = urlparse(url).hostname if url else "default"
    return [CrmAccount(crm="bitrix24", name="default", label=str(portal))]


def _source(account: CrmAccount | None = None, **overrides: Any) -> Any:
    from . import bitrix24_source

    return bitrix24_source(**overrides)


def _raw_suites() -> list[Any]:
    from crm_kpi.quality.suites import raw_bitrix24

    return list(raw_bitrix24.SUITES)


PLUGIN = CrmPlugin(
    name="bitrix24",
    title="Bitrix24",
    raw_schema="raw_bitrix24",
    account_column="portal",
    source=_source,
    accounts=_accounts,
    missing_settings=_missing_settings,
    raw_suites=_raw_suites,
    emulator="crm_kpi_emulators.bitrix24:Bitrix24Emulator",
)
