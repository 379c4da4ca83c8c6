"""Mart suites: clean marts pass; broken grain, money, rates, ratios, totals and row counts fail."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from quality_frames import daily_frame, monthly_frame, on_duckdb, write_marts

from crm_kpi.quality.checking import SuiteOutcome, check_contract, check_suite
from crm_kpi.quality.data_docs import build_index
from crm_kpi.quality.history import RowCountHistory, band
from crm_kpi.quality.suite import Suite
from crm_kpi.quality.suites import suite_for

MONTHLY = suite_for("marts.mart_manager_monthly")
DAILY = suite_for("marts.mart_manager_daily")


def _check(warehouse: Path, suite: Suite = MONTHLY) -> SuiteOutcome:
    return check_suite(
        suite, on_duckdb(warehouse), warehouse.parent.parent / "data", run_name="test"
    )


def _failed(outcome: SuiteOutcome) -> set[tuple[str, str | None]]:
    return {(f.expectation, f.column) for f in outcome.failures}


def test_clean_marts_pass_and_data_docs_are_written(warehouse: Path) -> None:
    write_marts(warehouse)
    outcome = _check(warehouse)
    assert outcome.success, outcome.failures
    assert outcome.rows == 4
    # the table, the daily reconciliation, the ratios from meta.kpi (numerator / denominator)
    assert len(outcome.outcomes) == 3
    # pages and index are rendered once per run, after the checks
    assert outcome.docs_page is not None and not outcome.docs_page.exists()
    assert outcome.docs_index is not None and not outcome.docs_index.exists()
    daily = _check(warehouse, DAILY)
    assert daily.success
    assert build_index(warehouse.parent.parent / "data") == outcome.docs_index
    assert outcome.docs_page.exists() and daily.docs_page and daily.docs_page.exists()
    assert "mart_manager_monthly" in outcome.docs_index.read_text()
    assert "mart_manager_daily" in outcome.docs_index.read_text()


def test_corrupted_monthly_mart_fails_each_rule_with_counts_and_samples(warehouse: Path) -> None:
    daily = daily_frame()
    monthly = monthly_frame(daily)
    monthly.loc[1, "revenue"] = -5.0  # negative money
    monthly.loc[0, "win_rate"] = 1.5  # a rate above 1
    monthly.loc[0, "call_to_meeting_rate"] = 0.0
    monthly.loc[0, "calls_total"] = 0  # ... and a ratio over no calls that is not NULL
    monthly.loc[2, "emails_sent"] += 1  # no longer the sum of the daily mart
    corrupted = pd.concat([monthly, monthly.iloc[[3]]])  # a duplicated grain row
    outcome = _check(write_marts(warehouse, daily, corrupted))
    failures = {(f.expectation, f.column): f for f in outcome.failures}

    negative = failures[("expect_column_values_to_be_between", "revenue")]
    assert negative.failed_rows == 1 and negative.sample == [-5.0]
    [row] = negative.sample_rows
    assert row["revenue"] == -5.0 and row["manager_id"] == monthly.loc[1, "manager_id"]

    # the duplicated grain row is dbt's to find (unique_combination_of_columns), not GX's
    assert not any(name == "expect_compound_columns_to_be_unique" for name, _ in failures)
    assert ("expect_column_values_to_be_between", "win_rate") in failures
    # a ratio over zero calls that is not NULL breaks the meta.kpi ratio rule
    ratio_rows = [row for f in outcome.failures for row in (f.sample_rows or []) if "kpi" in row]
    assert any(
        row["kpi"] == "call_to_meeting_rate" and row["denominator"] == 0 for row in ratio_rows
    )

    totals = failures[("expect_column_values_to_be_between", "difference")]
    measures = {row["measure"] for row in totals.sample_rows}
    assert {"emails_sent", "calls_total", "revenue"} <= measures


def test_null_ratio_on_zero_denominator_passes(warehouse: Path) -> None:
    daily = daily_frame()
    daily[["calls_total", "meetings_held"]] = 0
    monthly = monthly_frame(daily)
    assert monthly["call_to_meeting_rate"].isna().all()
    monthly["call_to_meeting_rate"] = np.nan
    outcome = _check(write_marts(warehouse, daily, monthly))
    assert outcome.success, outcome.failures


def test_row_count_band_against_previous_successful_run(warehouse: Path) -> None:
    write_marts(warehouse)
    assert _check(warehouse).success
    history = RowCountHistory(on_duckdb(warehouse))  # kept in the warehouse itself, per account
    counts = history.previous(MONTHLY.table)
    assert sum(counts.values()) == 4 and "*" not in counts
    [account] = counts
    history.record(MONTHLY.table, {account: 40})  # as if the mart had 40 rows last night
    outcome = _check(warehouse)
    [band_failure] = [
        f for f in outcome.failures if f.expectation == "expect_table_row_count_to_be_between"
    ]
    assert band_failure.observed.startswith(f"{account}: 4 rows, expected")
    assert outcome.previous_rows == 40
    assert history.previous(MONTHLY.table) == {account: 40}  # a failing check records nothing
    assert band(100, 0.5) == (50, 201)


def test_row_count_history_is_per_warehouse_and_per_account(warehouse: Path, tmp_path) -> None:
    write_marts(warehouse)
    assert _check(warehouse).success
    # the same data directory, a new warehouse: no spurious band failure
    other = tmp_path / "other" / "crm_kpi.duckdb"
    other.parent.mkdir()
    write_marts(other)
    assert RowCountHistory(on_duckdb(other)).previous(MONTHLY.table) == {}
    # a new account in a warehouse is not compared with the others' counts
    history = RowCountHistory(on_duckdb(warehouse))
    [account] = history.previous(MONTHLY.table)
    history.record(MONTHLY.table, {"bitrix24:new": 1000})
    outcome = _check(warehouse)
    [failure] = [
        f for f in outcome.failures if f.expectation == "expect_table_row_count_to_be_between"
    ]
    assert failure.sample == ["bitrix24:new"] and "0 rows" in failure.observed


def test_column_sets_of_contracted_marts_are_left_to_dbt(warehouse: Path) -> None:
    """One owner per rule: a mart with an enforced dbt contract (and meta.kpi) has no GX
    column-list check; dbt refuses to build it with a column missing."""
    daily = daily_frame()
    monthly = monthly_frame(daily).drop(columns=["win_rate", "weighted_pipeline_end"])
    write_marts(warehouse, daily, monthly)
    assert _check(warehouse).success  # values are fine; expectations on missing columns drop
    assert check_contract(MONTHLY, on_duckdb(warehouse)).failures == []


def test_missing_table_fails_clearly(warehouse: Path) -> None:
    write_marts(warehouse)
    [failure] = _check(warehouse, suite_for("marts.mart_funnel_stages")).failures
    assert "marts.mart_funnel_stages is not in" in (failure.observed or "")


def test_mart_without_a_grain_column_is_blocked(warehouse: Path) -> None:
    daily = daily_frame()
    write_marts(warehouse, daily, monthly_frame(daily).drop(columns=["manager_id"]))
    outcome = _check(warehouse)
    [failure] = [
        f for f in outcome.failures if f.expectation == "expect_table_columns_to_match_set"
    ]
    assert failure.observed == "missing columns: manager_id"


def test_a_failing_mart_check_names_the_broken_account_only(warehouse: Path) -> None:
    good = daily_frame()
    other = good.assign(account_key="bitrix24:broken")
    daily = pd.concat([good, other], ignore_index=True)
    monthly = monthly_frame(daily)
    broken = monthly["account_key"] == "bitrix24:broken"
    monthly.loc[broken, "win_rate"] = 7.0  # a rate above 1: broken, on that account's rows only
    outcome = _check(write_marts(warehouse, daily, monthly))
    assert not outcome.success
    assert outcome.failed_accounts is not None
    assert list(outcome.failed_accounts) == ["bitrix24:broken"]
    assert "win_rate" in outcome.failed_accounts["bitrix24:broken"]


def test_clean_marts_have_no_failed_accounts(warehouse: Path) -> None:
    outcome = _check(write_marts(warehouse))
    assert outcome.success and outcome.failed_accounts == {}


def test_an_empty_mart_records_no_history(warehouse: Path) -> None:
    RowCountHistory(on_duckdb(write_marts(warehouse))).record(
        MONTHLY.table, {}
    )  # no error, nothing kept
    assert RowCountHistory(on_duckdb(warehouse)).previous(MONTHLY.table) == {}


def test_a_check_session_keeps_the_warehouse_open_and_records_the_counts_at_its_end(
    warehouse: Path,
) -> None:
    from crm_kpi.quality.checking import check_session
    from crm_kpi.warehouse.resource import _KEPT

    write_marts(warehouse)
    history = RowCountHistory(on_duckdb(warehouse))
    with check_session(on_duckdb(warehouse), warehouse.parent.parent / "data") as session:
        for suite in (MONTHLY, DAILY, MONTHLY):
            assert session.check_suite(suite, run_name="test").success
        assert session.check_contract(MONTHLY).success
        assert str(warehouse) in _KEPT  # one read-only connection held for every check
        assert history.previous(MONTHLY.table) == {}  # not written while the file is kept
    assert not _KEPT
    assert sum(history.previous(MONTHLY.table).values()) == 4
    assert history.previous(DAILY.table)
