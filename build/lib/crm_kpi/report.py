"""A per-manager KPI table for the console."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd

COLUMNS = {
    "account_key": "account",
    "manager_name": "manager",
    "team_name": "team",
    "revenue": "revenue",
    "deals_won": "won",
    "deals_lost": "lost",
    "win_rate": "win rate",
    "avg_deal_value": "avg deal",
    "calls_total": "calls",
    "calls_answered": "answered",
    "call_duration_seconds": "talk min",
    "meetings_held": "meetings",
    "tasks_completed": "tasks done",
    "task_on_time_rate": "on time",
}


def last_full_month(today: dt.date) -> dt.date:
    """The first day of the month before ``today``'s month."""
    first_of_this_month = today.replace(day=1)
    return (first_of_this_month - dt.timedelta(days=1)).replace(day=1)


def monthly_kpis(warehouse_path: Path, month_start: dt.date) -> pd.DataFrame:
    """mart_manager_monthly for one month, over a read-only connection."""
    query = """
        select *
        from marts.mart_manager_monthly
        where month_start = ?
        order by account_key, revenue desc, manager_name
    """
    with duckdb.connect(str(warehouse_path), read_only=True) as connection:
        return connection.execute(query, [month_start]).df()


def format_table(frame: pd.DataFrame) -> str:
    """Readable text: money without decimals, rates as percentages, talk time in minutes.

    The account column shows only when the table holds several accounts.
    """
    columns = [c for c in COLUMNS if c in frame.columns]
    if "account_key" in frame and frame["account_key"].nunique() < 2:
        columns.remove("account_key")
    table = frame[columns].copy()
    for column in ("revenue", "avg_deal_value"):
        if column in table:
            table[column] = table[column].map(lambda v: "" if pd.isna(v) else f"{float(v):,.0f}")
    for column in ("win_rate", "task_on_time_rate"):
        if column in table:
            table[column] = table[column].map(lambda v: "" if pd.isna(v) else f"{float(v):.0%}")
    if "call_duration_seconds" in table:
        table["call_duration_seconds"] = table["call_duration_seconds"].map(
            lambda v: "" if pd.isna(v) else f"{float(v) / 60:,.0f}"
        )
    return table.rename(columns=COLUMNS).to_string(index=False)
