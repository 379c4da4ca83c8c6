"""The CRM registry: every CRM crm-kpi can load, each declared once as a plug-in.

The command line, the Dagster definitions (assets, partitions, run tags, checks), the demo and
the dbt union macro iterate over ``registered_crms()``; nothing else names a CRM. Adding a CRM
means a package under ``crm_kpi/sources/<crm>/`` that defines its ``PLUGIN`` and one line in
``_PLUGIN_MODULES`` below.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any


@dataclass(frozen=True)
class CrmAccount:
    """One configured account of one CRM: the unit that loads, fails and retries on its own."""

    crm: str
    name: str
    """The account's name in the settings (``default`` for the single unnamed account)."""
    label: str
    """What it is called in logs, run tags and partition keys (subdomain, portal)."""

    @property
    def partition_key(self) -> str:
        """The Dagster partition key of this account, ``<crm>.<label>``."""
        return f"{self.crm}.{self.label}"


@dataclass(frozen=True)
class CrmPlugin:
    """What crm-kpi needs to know about one CRM."""

    name: str
    """Short name, also the dlt source name and the ``SOURCES__<NAME>__...`` settings prefix."""
    title: str
    """Human name for messages (``amoCRM``)."""
    raw_schema: str
    """The warehouse schema dlt loads it into."""
    account_column: str
    """The raw-table column that names the account each row came from."""
    source: Callable[..., Any]
    """``source(account: CrmAccount | None = None, **overrides) -> dlt.DltSource``; ``None``: all
    configured accounts (a description with placeholder settings must build without any)."""
    accounts: Callable[[], Sequence[CrmAccount]]
    """The configured accounts (from dlt's config providers); empty when not configured."""
    missing_settings: Callable[[], list[str]]
    """The settings still needed before it can load (empty: ready), named as the user sets them."""
    raw_suites: Callable[[], list[Any]]
    """The Great Expectations suites of its raw tables."""
    emulator: str | None = None
    """Dotted path of its emulator in ``crm_kpi_emulators`` (documentation only: never imported
    by the product)."""
    extras: dict[str, Any] = field(default_factory=dict)


# One line per CRM: the module that defines ``PLUGIN``.
_PLUGIN_MODULES: tuple[str, ...] = (
    "crm_kpi.sources.amocrm.plugin",
    "crm_kpi.sources.bitrix24.plugin",
)

_extra: list[CrmPlugin] = []


@cache
def _declared() -> tuple[CrmPlugin, ...]:
    return tuple(importlib.import_module(module).PLUGIN for module in _PLUGIN_MODULES)


def registered_crms() -> tuple[CrmPlugin, ...]:
    """Every registered CRM, in registry order (plus any registered at run time)."""
    return (*_declared(), *_extra)


def crm(name: str) -> CrmPlugin:
    """The plug-in called ``name``; a clear error naming the registered ones otherwise."""
    for plugin in registered_crms():
        if plugin.name == name:
            return plugin
    names = ", ".join(p.name for p in registered_crms())
    raise KeyError(f"no CRM called {name!r} is registered (registered: {names})")


def register(plugin: CrmPlugin) -> None:
    """Register a CRM at run time (tests, third-party packages); idempotent by name."""
    if any(p.name == plugin.name for p in registered_crms()):
        return
    _extra.append(plugin)


def unregister(name: str) -> None:
    """Remove a CRM registered with ``register`` (tests)."""
    _extra[:] = [p for p in _extra if p.name != name]
