"""The suites, one per checked table: raw layer and core (warn), marts (blocking).

The raw suites of each CRM come from its plug-in (``CrmPlugin.raw_suites``), so a CRM added
to the registry brings its own.
"""

from __future__ import annotations

from pathlib import Path

from crm_kpi.quality.kpi_rules import DEFAULT_MANIFEST, manifest_rules
from crm_kpi.quality.suite import Suite
from crm_kpi.quality.suites import core, marts, raw_inputs
from crm_kpi.sources.registry import registered_crms


def all_suites(manifest_path: Path = DEFAULT_MANIFEST) -> list[Suite]:
    """Every suite of the project, raw layer first; mart KPI rules from the dbt manifest."""
    return [
        *(suite for plugin in registered_crms() for suite in plugin.raw_suites()),
        *raw_inputs.SUITES,
        *core.SUITES,
        *marts.suites(manifest_rules(manifest_path)),
    ]


def suite_for(table: str) -> Suite:
    """The suite of ``schema.table``."""
    for suite in all_suites():
        if suite.table == table:
            return suite
    raise KeyError(f"no data quality suite for {table}")
