"""Tiny marts for suite tests: two managers, three days across a month boundary."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from crm_kpi.quality.suites import mart_values as marts
from crm_kpi.warehouse import Warehouse

MANAGERS = ["10", "11"]
DAYS = pd.to_datetime(["2026-01-30", "2026-01-31", "2026-02-01"]).date


def on_duckdb(path: Path) -> Warehouse:
    """The ``Warehouse`` of the DuckDB file ``path``."""
    return Warehouse(url=f"duckdb:///{path}")


def daily_frame() -> pd.DataFrame:
    """mart_manager_daily: 2 managers x 3 days, every additive column filled."""
    rows = []
    for manager in MANAGERS:
        for n, day in enumerate(DAYS):
            row = {"account_key": "amocrm:1", "manager_id": manager, "activity_date": day}
            row.update({column: n + 1 for column in marts.DAILY_ADDITIVE})
            row["revenue"] = 100.25 * (n + 1)
            row["first_activity_at"] = pd.Timestamp(day) + pd.Timedelta(hours=9)
            row["last_activity_at"] = pd.Timestamp(day) + pd.Timedelta(hours=18)
            rows.append(row)
    return pd.DataFrame(rows)


def monthly_frame(daily: pd.DataFrame) -> pd.DataFrame:
    """mart_manager_monthly consistent with ``daily``: sums, and ratios from them."""
    frame = daily.assign(month_start=pd.to_datetime(daily["activity_date"]).dt.to_period("M"))
    sums = frame.groupby(["account_key", "manager_id", "month_start"], as_index=False)[
        list(marts.DAILY_ADDITIVE)
    ].sum()
    sums["month_start"] = sums["month_start"].dt.to_timestamp().dt.date
    sums["team_id"] = "1"
    sums["manager_name"] = "Manager " + sums["manager_id"]
    for column in marts.MONTHLY_NON_NEGATIVE:
        if column not in sums:
            sums[column] = 1.0
    won = sums["deals_won"].where(sums["deals_won"] > 0)
    sums["avg_deal_value"] = sums["revenue"] / won
    sums["avg_days_to_close"] = (sums["deals_won"] / won).astype(float)
    sums["median_days_to_close"] = sums["avg_days_to_close"]
    sums["win_rate"] = sums["deals_won"] / (sums["deals_won"] + sums["deals_lost"])
    sums["win_rate_amount"] = 0.5
    sums["task_on_time_rate"] = sums["tasks_completed_on_time"] / sums["tasks_completed"]
    calls = sums["calls_total"].where(sums["calls_total"] > 0)
    sums["call_to_meeting_rate"] = sums["meetings_held"] / calls
    return sums


def write_tables(path: Path, tables: dict[str, pd.DataFrame]) -> Path:
    """Create (or replace) ``schema.table`` from each frame."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as connection:
        for table, frame in tables.items():
            schema = table.split(".", 1)[0]
            connection.execute(f"create schema if not exists {schema}")
            connection.register("frame", frame)
            connection.execute(f"create or replace table {table} as select * from frame")
            connection.unregister("frame")
    return path


def write_marts(
    path: Path, daily: pd.DataFrame | None = None, monthly: pd.DataFrame | None = None
) -> Path:
    """Write clean daily and monthly marts (or the given frames) into ``path``."""
    daily = daily_frame() if daily is None else daily
    monthly = monthly_frame(daily) if monthly is None else monthly
    return write_tables(
        path, {"marts.mart_manager_daily": daily, "marts.mart_manager_monthly": monthly}
    )
