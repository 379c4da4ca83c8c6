"""KPI value rules derived from the dbt manifest's ``meta.kpi`` (contract C4), not restated.

Each KPI column of a mart declares in its YAML ``meta.kpi``: ``range`` (allowed values, NULL
allowed, either bound may be null) and, for ratios, ``numerator`` and ``denominator`` (SQL
over the mart's columns). From them:

- ``range`` -> ``expect_column_values_to_be_between`` on the column;
- ``numerator``/``denominator`` -> one derived frame per mart with a row per KPI and mart row,
  whose ``holds`` is true when the value is NULL on a zero (or NULL) denominator and equals
  ``numerator / denominator`` otherwise (money to the cent, other units to 1e-6 relative).

A rule whose expression names a column the mart lacks is left out (the mart is still being
extended; dbt's contract reports the column).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crm_kpi.config import DBT_PROJECT_DIR
from crm_kpi.quality.gx import expectations as gxe
from crm_kpi.quality.suite import Frame, always_true
from crm_kpi.transform.kpi_meta import MARTS_SCHEMA, KpiMeta, kpi_meta, read_manifest

if TYPE_CHECKING:
    from great_expectations.expectations.expectation import Expectation

DEFAULT_MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"
# numeric(18, 2) averages are rounded to the cent; everything else is a double.
MONEY_TOLERANCE = 0.005
RELATIVE_TOLERANCE = 1e-6
_IDENTIFIER = re.compile(r"\b[a-z_][a-z0-9_]*\b")
_SQL_WORDS = {"and", "or", "not", "null", "case", "when", "then", "else", "end", "coalesce"}

# A rule is the column's ``meta.kpi`` as ``crm_kpi.transform.kpi_meta`` reads it.
KpiRule = KpiMeta


def kpi_rules(manifest: Mapping[str, Any]) -> dict[str, dict[str, KpiRule]]:
    """``marts.<mart>`` -> column -> its rule, for every mart model column with ``meta.kpi``."""
    return {
        f"{MARTS_SCHEMA}.{mart}": rules
        for mart, rules in kpi_meta(manifest, include_sources=False).items()
        if rules
    }


def manifest_rules(manifest_path: Path = DEFAULT_MANIFEST) -> dict[str, dict[str, KpiRule]]:
    """The rules of the manifest at ``manifest_path``; empty without one (or without meta.kpi)."""
    return kpi_rules(read_manifest(manifest_path))


def range_expectations(rules: Mapping[str, KpiRule]) -> list[Expectation]:
    """A between-expectation per KPI with a range (NULL passes)."""
    return [
        gxe.ExpectColumnValuesToBeBetween(column=rule.column, min_value=low, max_value=high)
        for rule in rules.values()
        if rule.range is not None
        for low, high in [rule.range]
        if low is not None or high is not None
    ]


def _names(expression: str) -> set[str]:
    return set(_IDENTIFIER.findall(expression.lower())) - _SQL_WORDS


def _holds(rule: KpiRule) -> str:
    value, numerator, denominator = rule.column, rule.numerator, rule.denominator
    ratio = f"cast(({numerator}) as double precision) / ({denominator})"
    # Half a cent off is a rounded average (51296.465 -> 51296.47), plus the doubles' noise.
    relative = f"{RELATIVE_TOLERANCE} * greatest(1, abs({ratio}))"
    tolerance = f"{MONEY_TOLERANCE} + {relative}" if rule.unit == "money" else relative
    return (
        f"case when ({denominator}) is null or ({denominator}) = 0 or ({numerator}) is null "
        f"then {value} is null "
        f"else {value} is not null and abs({value} - {ratio}) <= {tolerance} end"
    )


def ratio_sql(table: str, rules: Mapping[str, KpiRule], columns: list[str]) -> str | None:
    """One row per mart row and ratio KPI: the value, its sides and whether it ``holds``."""
    present = set(columns)
    ratios = [
        r
        for r in rules.values()
        if r.is_ratio
        and {r.column} | _names(r.numerator or "") | _names(r.denominator or "") <= present
    ]
    if not ratios:
        return None
    account = "account_key, " if "account_key" in present else ""
    parts = [
        f"select {account}'{r.column}' as kpi, cast({r.column} as double precision) as value, "
        f"cast(({r.numerator}) as double precision) as numerator, "
        f"cast(({r.denominator}) as double precision) as denominator, "
        f"{_holds(r)} as holds from {table}"
        for r in ratios
    ]
    return "\nunion all\n".join(parts)


def ratio_frame(table: str, rules: Mapping[str, KpiRule]) -> Frame:
    """The derived frame checking every ratio KPI of ``table``."""

    def sql(columns_of: Callable[[str], list[str]]) -> str:
        found = ratio_sql(table, rules, columns_of(table))
        return found or "select 'none' as kpi, true as holds where false"

    return Frame("ratio KPIs equal numerator over denominator", sql, lambda: [always_true("holds")])
