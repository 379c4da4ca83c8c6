"""The emulators of the registered CRMs: what the demo and ``crm-kpi emulate`` iterate over.

Each CRM plug-in names its emulator (``CrmPlugin.emulator``, ``"module:attribute"``), an
``Emulator`` defined in that CRM's emulator package. Nothing here names a CRM.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from crm_kpi.sources.registry import CrmPlugin, registered_crms

from .synthetic import CompanyConfig


@dataclass(frozen=True)
class ServedAccount:
    """One emulated account, serving while the demo runs."""

    description: str
    """What to tell the user (``emulated amoCRM account 'demo' serving at http://...``)."""
    settings: dict[str, str]
    """The dlt settings (environment variables) that point the CRM's source at it."""
    account_key: str
    """``<crm>:<tenant>``: the account key its rows (and the sales plan's) carry."""
    plan_by_email: bool
    """Whether the sales plan must name every manager by e-mail (ids differ from amoCRM's)."""
    requests: Callable[[], int] = field(default=lambda: 0)
    """How many API requests it answered so far."""


@dataclass(frozen=True)
class BenchmarkedAccount:
    """One emulated account serving the ingestion benchmark (``benchmarks/ingestion.py``)."""

    settings: dict[str, str]
    """The dlt settings that point the CRM's source at it, with its client throttle raised."""
    build_seconds: float
    """How long simulating the company and building the emulator's data took."""
    counts: dict[str, int]
    """Records per emulator table (what the company holds)."""
    requests: Callable[[], dict[str, int]]
    """API requests answered since the last reset, by endpoint."""
    reset_requests: Callable[[], None]
    """Forget the requests counted so far."""
    advance: Callable[[int], dict[str, tuple[int, int]]]
    """``advance(days)``: the company lives ``days`` more days; returns, per incremental
    endpoint, the rows changed in that time and the page size the source reads them with."""


@dataclass(frozen=True)
class Emulator:
    """How to run one CRM's emulator."""

    running: Callable[[CompanyConfig, str], AbstractContextManager[ServedAccount]]
    """``running(config, token)``: a context manager serving one account on a free port."""
    serve: Callable[[CompanyConfig, str, int, str], None]
    """``serve(config, host, port, token)``: serve in the foreground until interrupted."""
    benchmarked: (
        Callable[[CompanyConfig, str], AbstractContextManager[BenchmarkedAccount]] | None
    ) = None
    """``benchmarked(config, token)``: serving with the API's rate limits off (the ingestion
    benchmark's unthrottled mode; ``running`` stays realistic)."""


def emulator_of(plugin: CrmPlugin) -> Emulator | None:
    """The emulator the plug-in names, or ``None`` when it has none."""
    if not plugin.emulator:
        return None
    module, _, attribute = plugin.emulator.partition(":")
    return getattr(importlib.import_module(module), attribute or "EMULATOR")


def emulated_crms() -> Iterator[tuple[CrmPlugin, Emulator]]:
    """Every registered CRM that has an emulator, in registry order."""
    for plugin in registered_crms():
        emulator = emulator_of(plugin)
        if emulator is not None:
            yield plugin, emulator
