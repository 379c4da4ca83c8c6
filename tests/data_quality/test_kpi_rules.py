"""Mart KPI value rules derived from a (hand-written) dbt manifest's ``meta.kpi`` (contract C4).

With ``meta.kpi`` a mart's ranges and ratios come from the manifest and the hand-written
rules are not used (nothing is checked twice); without it, the hand-written ones apply.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from quality_frames import daily_frame, monthly_frame, on_duckdb, write_marts

from crm_kpi.quality.checking import check_suite
from crm_kpi.quality.kpi_rules import kpi_rules, manifest_rules, ratio_sql
from crm_kpi.quality.suite import Suite
from crm_kpi.quality.suites import all_suites

MONTHLY = "marts.mart_manager_monthly"


def _kpi(unit: str, **rest: object) -> dict:
    return {"meta": {"kpi": {"label": {"en": unit}, "unit": unit, **rest}}}


MANIFEST = {
    "nodes": {
        "model.crm_kpi.mart_manager_monthly": {
            "resource_type": "model",
            "schema": "marts",
            "name": "mart_manager_monthly",
            "columns": {
                "manager_id": {"meta": {}},
                "revenue": _kpi("money", range=[0, None]),
                "deals_won": _kpi("count"),
                "win_rate": _kpi(
                    "ratio",
                    range=[0, 1],
                    numerator="deals_won",
                    denominator="deals_won + deals_lost",
                ),
                "avg_deal_value": _kpi(
                    "money", range=[0, None], numerator="revenue", denominator="deals_won"
                ),
                "call_to_meeting_rate": _kpi(
                    "ratio", range=[0, None], numerator="meetings_held", denominator="calls_total"
                ),
                "not_built_yet": _kpi("ratio", numerator="deals_won", denominator="nowhere"),
            },
        },
        "model.crm_kpi.fct_deals": {"resource_type": "model", "schema": "core", "columns": {}},
    }
}


def _manifest(tmp_path: Path) -> Path:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(MANIFEST), encoding="utf-8")
    return path


def _suite(manifest: Path) -> Suite:
    return next(s for s in all_suites(manifest) if s.table == MONTHLY)


def test_rules_come_from_meta_kpi_only(tmp_path: Path) -> None:
    rules = kpi_rules(MANIFEST)
    assert list(rules) == [MONTHLY]  # marts only, columns with meta.kpi only
    assert rules[MONTHLY]["win_rate"].range == (0, 1)
    assert rules[MONTHLY]["win_rate"].denominator == "deals_won + deals_lost"
    assert not rules[MONTHLY]["deals_won"].is_ratio
    assert manifest_rules(tmp_path / "missing.json") == {}
    # a rule over a column the mart lacks is left out
    sql = ratio_sql(MONTHLY, rules[MONTHLY], ["account_key", "win_rate", "deals_won", "deals_lost"])
    assert sql is not None and "'win_rate' as kpi" in sql and "not_built_yet" not in sql


def test_nothing_is_checked_twice_once_the_manifest_has_meta_kpi(tmp_path: Path) -> None:
    suite = _suite(_manifest(tmp_path))
    expectations = suite.expectations()
    ranged = {e.column for e in expectations if e.expectation_type.endswith("_to_be_between")}
    assert ranged == {"revenue", "win_rate", "avg_deal_value", "call_to_meeting_rate"}
    # the hand-written NULL-on-zero rules (monthly_ratios) give way to the ratio frame
    assert not any(e.expectation_type == "expect_column_values_to_be_null" for e in expectations)
    assert [f.name for f in suite.frames] == [
        "daily totals reconcile",
        "ratio KPIs equal numerator over denominator",
    ]
    assert suite.contract_columns == ()  # dbt's enforced contract owns the columns
    hand_written = next(s for s in all_suites(tmp_path / "none.json") if s.table == MONTHLY)
    assert any(
        e.expectation_type == "expect_column_values_to_be_null" for e in hand_written.expectations()
    )


def test_clean_marts_pass_the_derived_rules(warehouse: Path, tmp_path: Path) -> None:
    write_marts(warehouse)
    outcome = check_suite(
        _suite(_manifest(tmp_path)), on_duckdb(warehouse), tmp_path / "data", "test"
    )
    assert outcome.success, outcome.failures


def test_ratio_off_its_sides_and_non_null_on_zero_fail(warehouse: Path, tmp_path: Path) -> None:
    daily = daily_frame()
    monthly = monthly_frame(daily)
    monthly.loc[0, "win_rate"] = 0.5 if monthly.loc[0, "win_rate"] != 0.5 else 0.25  # in range
    monthly.loc[1, "calls_total"] = 0  # no calls, yet a call-to-meeting rate
    monthly.loc[2, "avg_deal_value"] = np.nan  # deals were won: NULL is wrong too
    outcome = check_suite(
        _suite(_manifest(tmp_path)),
        on_duckdb(write_marts(warehouse, daily, monthly)),
        tmp_path / "data",
    )
    [ratios] = [f for f in outcome.failures if f.column == "holds"]
    assert ratios.failed_rows == 3
    assert {row["kpi"] for row in ratios.sample_rows} == {
        "win_rate",
        "call_to_meeting_rate",
        "avg_deal_value",
    }
    [(account, reason)] = (outcome.failed_accounts or {}).items()
    assert account == "amocrm:1" and "on holds (3 rows)" in reason
