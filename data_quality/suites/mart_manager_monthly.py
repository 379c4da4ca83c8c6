"""Expectations on ``marts.mart_manager_monthly``: one row per manager-month, sane values."""

from __future__ import annotations

import great_expectations.expectations as gxe
from great_expectations.expectations.expectation import Expectation

TABLE = "marts.mart_manager_monthly"
GRAIN = ["account_key", "manager_id", "month_start"]
MONEY_COLUMNS = ["revenue", "avg_deal_value"]
COUNT_COLUMNS = [
    "deals_won",
    "deals_lost",
    "deals_created",
    "calls_total",
    "calls_answered",
    "meetings_held",
    "tasks_completed",
]
RATE_COLUMNS = ["win_rate", "win_rate_amount", "task_on_time_rate"]
# meetings / calls: a conversion, not a share; a manager can hold more meetings than calls.
RATIO_COLUMNS = ["call_to_meeting_rate"]


def expectations() -> list[Expectation]:
    """Grain unique and complete, money, counts and ratios non-negative, rates in [0, 1]."""
    checks: list[Expectation] = [
        gxe.ExpectCompoundColumnsToBeUnique(column_list=GRAIN),
        *(gxe.ExpectColumnValuesToNotBeNull(column=column) for column in GRAIN),
    ]
    checks += [gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0) for c in MONEY_COLUMNS]
    checks += [gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0) for c in COUNT_COLUMNS]
    checks += [
        gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=1) for c in RATE_COLUMNS
    ]
    return checks
