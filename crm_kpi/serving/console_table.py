"""A per-manager KPI table of one month for the console (the demo prints it).

Not the HTML report (``crm_kpi.serving.report``). KPI headers are the English ``meta.kpi``
labels of the dbt manifest; the other headers are the table's own.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from crm_kpi.serving.kpi_meta import kpi_labels, project_manifest_path
from crm_kpi.serving.periods import last_full_month
from crm_kpi.warehouse import Warehouse
from crm_kpi.warehouse.frames import read_frame

__all__ = ["COLUMNS", "format_table", "last_full_month", "monthly_kpis"]

# The columns shown, in order; the non-KPI ones with their header.
COLUMNS = [
    "account_key", "manager_name", "team_name", "revenue", "deals_won", "deals_lost",
    "win_rate", "avg_deal_value", "calls_total", "calls_answered", "call_duration_seconds",
    "meetings_held", "tasks_completed", "task_on_time_rate",
]  # fmt: skip
HEADERS = {"account_key": "account", "manager_name": "manager", "team_name": "team"}
MONEY = ("revenue", "avg_deal_value")
RATES = ("win_rate", "task_on_time_rate")


def monthly_kpis(warehouse: Warehouse | Path, month_start: dt.date) -> pd.DataFrame:
    """mart_manager_monthly for one month, over a read-only connection.

    ``warehouse``: the ``Warehouse`` (a DuckDB file's path is still taken, for the demo).
    """
    if isinstance(warehouse, Path):
        warehouse = Warehouse(url=f"duckdb:///{warehouse.absolute()}")
    query = """
        select *
        from marts.mart_manager_monthly
        where month_start = :month_start
        order by account_key, revenue desc, manager_name
    """
    return read_frame(warehouse, query, {"month_start": month_start})


def headers(manifest_path: Path | None = None) -> dict[str, str]:
    """Column -> header: the table's own, else the KPI's English label, else the column name."""
    labels = kpi_labels(manifest_path or project_manifest_path(), "en")
    header = {column: HEADERS.get(column) or labels.get(column, column) for column in COLUMNS}
    header["call_duration_seconds"] += " (min)"  # shown in minutes
    return header


def format_table(frame: pd.DataFrame, manifest_path: Path | None = None) -> str:
    """Readable text: money without decimals, rates as percentages, talk time in minutes.

    The account column shows only when the table holds several accounts.
    """
    columns = [c for c in COLUMNS if c in frame.columns]
    if "account_key" in frame and frame["account_key"].nunique() < 2:
        columns.remove("account_key")
    table = frame[columns].copy()
    for column in MONEY:
        if column in table:
            table[column] = table[column].map(lambda v: "" if pd.isna(v) else f"{float(v):,.0f}")
    for column in RATES:
        if column in table:
            table[column] = table[column].map(lambda v: "" if pd.isna(v) else f"{float(v):.0%}")
    if "call_duration_seconds" in table:
        table["call_duration_seconds"] = table["call_duration_seconds"].map(
            lambda v: "" if pd.isna(v) else f"{float(v) / 60:,.0f}"
        )
    return table.rename(columns=headers(manifest_path)).to_string(index=False)
