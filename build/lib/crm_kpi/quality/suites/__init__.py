"""The suites, one per checked table: raw layer and core (warn), marts (blocking)."""

from __future__ import annotations

from crm_kpi.quality.suite import Suite
from crm_kpi.quality.suites import core, marts, raw_amocrm, raw_bitrix24, raw_inputs


def all_suites() -> list[Suite]:
    """Every suite of the project, raw layer first."""
    return [
        *raw_amocrm.SUITES,
        *raw_bitrix24.SUITES,
        *raw_inputs.SUITES,
        *core.SUITES,
        *marts.SUITES,
    ]


def suite_for(table: str) -> Suite:
    """The suite of ``schema.table``."""
    for suite in all_suites():
        if suite.table == table:
            return suite
    raise KeyError(f"no data quality suite for {table}")
