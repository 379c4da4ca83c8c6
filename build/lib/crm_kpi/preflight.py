"""What the command line checks before it loads Dagster: which CRMs are configured, bad settings.

Nothing here imports Dagster or dbt, so a missing token or a mistyped setting is answered in
about a second instead of after the code location has loaded.
"""

from __future__ import annotations

import os
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crm_kpi.config import (
    CRON_ENV,
    FRESHNESS_HOURS_ENV,
    REPORT_LANGUAGE_ENV,
    RETRY_DELAY_ENV,
    RETRY_MAX_ENV,
    SMTP_PORT_ENV,
    TIMEZONE_ENV,
)

CRMS = ("amocrm", "bitrix24")
REPORT_LANGUAGES = ("ru", "en")


def _dlt_setting(key: str, secret: bool) -> Any:
    import dlt
    from dlt.common.configuration.exceptions import ConfigFieldMissingException

    provider = dlt.secrets if secret else dlt.config
    try:
        return provider.get(key)
    except ConfigFieldMissingException:
        return None


def bitrix24_missing_settings() -> list[str]:
    """Environment variables still needed before Bitrix24 can be loaded (empty: ready)."""
    missing = (
        [] if _dlt_setting("sources.bitrix24.portal", False) else ["SOURCES__BITRIX24__PORTAL"]
    )
    webhook = _dlt_setting("sources.bitrix24.webhook_url", True)
    oauth = _dlt_setting("sources.bitrix24.token_file", False) and _dlt_setting(
        "sources.bitrix24.client_secret", True
    )
    if not webhook and not oauth:
        missing.append("SOURCES__BITRIX24__WEBHOOK_URL (or CLIENT_ID, CLIENT_SECRET, TOKEN_FILE)")
    return missing


def amocrm_missing_settings() -> list[str]:
    """Settings still needed before amoCRM can be loaded (one account or several)."""
    from crm_kpi.sources.amocrm.helpers.accounts import missing_settings

    return missing_settings()


MISSING_SETTINGS: dict[str, Callable[[], list[str]]] = {
    "amocrm": amocrm_missing_settings,
    "bitrix24": bitrix24_missing_settings,
}


@dataclass(frozen=True)
class SourceStatus:
    """Which CRMs can be loaded, and what the others still need."""

    configured: list[str] = field(default_factory=list)
    missing: dict[str, list[str]] = field(default_factory=dict)


def source_status() -> SourceStatus:
    """Ask every CRM source whether its settings are complete."""
    status = SourceStatus()
    for crm in CRMS:
        missing = MISSING_SETTINGS[crm]()
        if missing:
            status.missing[crm] = missing
        else:
            status.configured.append(crm)
    return status


def _number(name: str, kind: type, minimum: float) -> str | None:
    value = os.environ.get(name)
    if value is None or value == "":
        return None
    try:
        number = kind(value)
    except ValueError:
        return f"{name}={value!r} is not a{'n integer' if kind is int else ' number'}"
    return f"{name}={value!r} must be at least {minimum}" if number < minimum else None


def _cron() -> str | None:
    value = os.environ.get(CRON_ENV)
    if not value:
        return None
    fields = value.split()
    return None if len(fields) == 5 else f"{CRON_ENV}={value!r} is not a five-field cron expression"


def _timezone() -> str | None:
    value = os.environ.get(TIMEZONE_ENV)
    if not value:
        return None
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return f"{TIMEZONE_ENV}={value!r} is not an IANA time zone (e.g. Europe/Moscow)"
    return None


def _language() -> str | None:
    value = os.environ.get(REPORT_LANGUAGE_ENV)
    if value and value not in REPORT_LANGUAGES:
        return f"{REPORT_LANGUAGE_ENV}={value!r}: choose one of {', '.join(REPORT_LANGUAGES)}"
    return None


def settings_errors() -> list[str]:
    """Every setting in the environment that the run would trip over, as a readable line."""
    checks = [
        _number(RETRY_MAX_ENV, int, 0),
        _number(RETRY_DELAY_ENV, float, 0),
        _number(FRESHNESS_HOURS_ENV, float, 0),
        _number(SMTP_PORT_ENV, int, 1),
        _cron(),
        _timezone(),
        _language(),
    ]
    return [error for error in checks if error]
