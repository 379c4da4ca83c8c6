"""What the command line checks before it loads Dagster: which CRMs are configured, bad settings.

Nothing here imports Dagster or dbt, so a missing token or a mistyped setting is answered in
about a second instead of after the code location has loaded.
"""

from __future__ import annotations

import zoneinfo
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
from crm_kpi.sources.common.accounts import setting
from crm_kpi.sources.registry import crm, registered_crms

REPORT_LANGUAGES = ("ru", "en")


def __getattr__(name: str) -> Any:
    # Compatibility for callers not yet iterating the registry (the Dagster definitions):
    # ``CRMS`` and ``<crm>_missing_settings``. Remove when nothing imports them.
    if name == "CRMS":
        return tuple(plugin.name for plugin in registered_crms())
    if name.endswith("_missing_settings"):
        return crm(name.removesuffix("_missing_settings")).missing_settings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class SourceStatus:
    """Which CRMs can be loaded, and what the others still need."""

    configured: list[str] = field(default_factory=list)
    missing: dict[str, list[str]] = field(default_factory=dict)


def source_status() -> SourceStatus:
    """Ask every registered CRM whether its settings are complete."""
    status = SourceStatus()
    for plugin in registered_crms():
        missing = plugin.missing_settings()
        if missing:
            status.missing[plugin.name] = missing
        else:
            status.configured.append(plugin.name)
    return status


def _value(name: str) -> str | None:
    """The setting ``name`` (an environment variable such as ``CRM_KPI_RETRY_MAX``), read
    through dlt's config providers (the environment, then ``.dlt/config.toml``)."""
    value = setting(name.lower())
    return None if value is None else str(value)


def _number(name: str, kind: type, minimum: float) -> str | None:
    value = _value(name)
    if value is None or value == "":
        return None
    try:
        number = kind(value)
    except ValueError:
        return f"{name}={value!r} is not a{'n integer' if kind is int else ' number'}"
    return f"{name}={value!r} must be at least {minimum}" if number < minimum else None


def _cron() -> str | None:
    value = _value(CRON_ENV)
    if not value:
        return None
    fields = value.split()
    return None if len(fields) == 5 else f"{CRON_ENV}={value!r} is not a five-field cron expression"


def _timezone() -> str | None:
    value = _value(TIMEZONE_ENV)
    if not value:
        return None
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return f"{TIMEZONE_ENV}={value!r} is not an IANA time zone (e.g. Europe/Moscow)"
    return None


def _language() -> str | None:
    value = _value(REPORT_LANGUAGE_ENV)
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
