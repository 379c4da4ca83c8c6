"""The GX suite on mart_manager_monthly passes clean frames and catches broken ones."""

from __future__ import annotations

import pandas as pd

from data_quality.suites import mart_manager_monthly
from data_quality.validation import validate_frame


def _frame(**overrides: list) -> pd.DataFrame:
    rows = {
        "account_key": ["amocrm:1", "amocrm:1", "amocrm:1"],
        "manager_id": ["10", "11", "10"],
        "month_start": pd.to_datetime(["2026-01-01", "2026-01-01", "2026-02-01"]),
        "revenue": [1000.0, 0.0, 250.5],
        "avg_deal_value": [500.0, None, 250.5],
        "win_rate": [0.5, None, 1.0],
        "win_rate_amount": [0.7, None, 1.0],
        "task_on_time_rate": [0.9, 0.0, None],
        "call_to_meeting_rate": [0.1, None, 0.0],
    }
    for column in mart_manager_monthly.COUNT_COLUMNS:
        rows[column] = [3, 0, 1]
    rows.update(overrides)
    return pd.DataFrame(rows)


def _validate(frame: pd.DataFrame):
    return validate_frame(mart_manager_monthly.TABLE, frame, mart_manager_monthly.expectations())


def test_clean_mart_passes() -> None:
    outcome = _validate(_frame())
    assert outcome.success, outcome.failures
    assert outcome.rows == 3


def test_negative_revenue_fails_with_count_and_sample() -> None:
    outcome = _validate(_frame(revenue=[1000.0, -5.0, 250.5]))
    assert not outcome.success
    [failure] = outcome.failures
    assert failure.column == "revenue"
    assert failure.failed_rows == 1
    assert failure.sample == [-5.0]


def test_duplicated_grain_and_rate_out_of_range_fail() -> None:
    outcome = _validate(_frame(manager_id=["10", "10", "10"], win_rate=[0.5, 1.5, 1.0]))
    failed = {(f.expectation, f.column) for f in outcome.failures}
    assert ("expect_compound_columns_to_be_unique", "account_key,manager_id,month_start") in failed
    assert ("expect_column_values_to_be_between", "win_rate") in failed
