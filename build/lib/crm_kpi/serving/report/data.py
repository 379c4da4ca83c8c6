"""What the report shows, queried from the published snapshot; absent or empty marts give None."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from crm_kpi.report import last_full_month

SEVERITY_ORDER = "case lower(severity) when 'high' then 0 when 'medium' then 1 else 2 end"
ALERT_WINDOW_DAYS = 7


@dataclass(frozen=True)
class ReportData:
    """Frames of the report's sections (None: the mart is absent or has no rows)."""

    as_of: dt.date | None
    month: dt.date | None
    # the last month and week of the trends are cut by as_of: shown, but marked partial
    partial_month: dt.date | None
    leaderboard: pd.DataFrame | None
    revenue_trend: pd.DataFrame | None
    activity_trend: pd.DataFrame | None
    funnel: pd.DataFrame | None
    plan_vs_fact: pd.DataFrame | None
    plan_month: dt.date | None
    alerts: pd.DataFrame | None


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    rows = con.execute(
        "select table_name, column_name from information_schema.columns where table_schema = 'main'"
    ).fetchall()
    tables: dict[str, set[str]] = {}
    for table, column in rows:
        tables.setdefault(table, set()).add(column)
    return tables


def _frame(con: duckdb.DuckDBPyConnection, query: str, params: list | None = None):
    frame = con.execute(query, params or []).df()
    return None if frame.empty else frame


def _month_end(month_start: dt.date) -> dt.date:
    return (month_start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def _pick(columns: set[str], wanted: list[str]) -> list[str]:
    return [c for c in wanted if c in columns]


LEADERBOARD_COLUMNS = [
    "manager_name", "team_name", "revenue", "deals_won", "win_rate", "avg_deal_value",
    "calls_total", "meetings_held", "task_on_time_rate",
]  # fmt: skip


def report_accounts(snapshot_file: Path) -> dict[str, str]:
    """``{account_key: "<account name> (<CRM>)"}`` of every account in the published marts."""
    with duckdb.connect(str(snapshot_file), read_only=True) as con:
        tables = _tables(con)
        keys: set[str] = set()
        for name, columns in tables.items():
            if name.startswith("mart_") and "account_key" in columns:
                found = con.execute(f'select distinct account_key from "{name}"').fetchall()
                keys |= {row[0] for row in found}
        titles = {key: key for key in keys if key is not None}
        if {"account_key", "account_name", "crm"} <= tables.get("dim_accounts", set()):
            for key, name, crm in con.execute(
                "select account_key, account_name, crm from dim_accounts"
            ).fetchall():
                if key in titles:
                    titles[key] = f"{name or key} ({crm})"
    return dict(sorted(titles.items()))


def _scoped(con: duckdb.DuckDBPyConnection, account_key: str | None):
    """Views named like the marts, holding only ``account_key``'s rows (all rows: None)."""
    if account_key is None:
        return
    (catalog,) = con.execute("select current_database()").fetchone()
    for name, columns in _tables(con).items():
        if "account_key" in columns:
            quoted = "'" + account_key.replace("'", "''") + "'"
            con.execute(
                f'create temp view "{name}" as select * from "{catalog}".main."{name}"'
                f" where account_key = {quoted}"
            )


def load_report_data(snapshot_file: Path, account_key: str | None = None) -> ReportData:
    """Read every section's data over a read-only connection to the published snapshot.

    With ``account_key``, only that account's rows (a report per account: managers of two
    accounts are never ranked or summed together).
    """
    with duckdb.connect(str(snapshot_file), read_only=True) as con:
        _scoped(con, account_key)
        tables = _tables(con)
        daily, monthly = tables.get("mart_manager_daily"), tables.get("mart_manager_monthly")
        as_of = None
        if daily:
            as_of = con.execute("select max(activity_date) from mart_manager_daily").fetchone()[0]
        elif monthly:
            last = con.execute("select max(month_start) from mart_manager_monthly").fetchone()[0]
            as_of = (
                (last + dt.timedelta(days=40)).replace(day=1) - dt.timedelta(days=1)
                if last
                else None
            )
        month = last_full_month(as_of + dt.timedelta(days=1)) if as_of else None
        partial_month = as_of.replace(day=1) if as_of and as_of != _month_end(as_of) else None

        leaderboard = revenue_trend = None
        if monthly and month:
            columns = ", ".join(_pick(monthly, LEADERBOARD_COLUMNS))
            leaderboard = _frame(
                con,
                f"select {columns} from mart_manager_monthly where month_start = ?"
                " order by revenue desc nulls last, manager_name",
                [month],
            )
            revenue_trend = _frame(
                con,
                "select month_start, sum(revenue)::double as revenue, sum(deals_won) as deals_won"
                " from mart_manager_monthly group by month_start order by month_start",
            )

        activity_trend = None
        if daily:
            measures = _pick(
                daily, ["calls_total", "meetings_held", "emails_sent", "tasks_completed"]
            )
            if measures:
                sums = ", ".join(f"sum({m}) as {m}" for m in measures)
                activity_trend = _frame(
                    con,
                    f"select date_trunc('week', activity_date)::date as week_start, {sums},"
                    " date_trunc('week', activity_date)::date + 6 > ?::date as is_partial"
                    " from mart_manager_daily group by 1 order by 1",
                    [as_of],
                )

        funnel = None
        if "mart_funnel_stages" in tables:
            funnel = _frame(
                con,
                """
                with by_stage as (
                    select pipeline_id, stage_id, any_value(stage_name) as stage_name,
                           min(stage_sort) as stage_sort, sum(deals_reached) as deals_reached,
                           sum(deals_reached_next) as deals_reached_next,
                           sum(avg_hours_in_stage * deals_reached)
                               / nullif(sum(case when avg_hours_in_stage is not null
                                            then deals_reached end), 0) as avg_hours_in_stage
                    from mart_funnel_stages group by pipeline_id, stage_id
                ),
                main_pipeline as (
                    select pipeline_id from by_stage group by pipeline_id
                    order by max(deals_reached) desc limit 1
                )
                select stage_name, stage_sort, deals_reached, deals_reached_next,
                       deals_reached_next / nullif(deals_reached, 0) as conversion_to_next,
                       avg_hours_in_stage
                from by_stage where pipeline_id in (select pipeline_id from main_pipeline)
                order by stage_sort
                """,
            )

        plan_vs_fact, plan_month = None, None
        plan = tables.get("mart_plan_vs_fact")
        if plan:
            plan_month = con.execute("select max(month_start) from mart_plan_vs_fact").fetchone()[0]
            names = (
                "left join dim_managers m using (account_key, manager_id)"
                if "dim_managers" in tables
                else ""
            )
            name = "coalesce(m.manager_name, p.manager_id)" if names else "p.manager_id"
            plan_vs_fact = _frame(
                con,
                f"select {name} as manager_name, p.metric, p.target, p.actual, p.attainment,"
                f" {'p.status' if 'status' in plan else 'null'} as status"
                f" from mart_plan_vs_fact p {names} where p.month_start = ?"
                " order by p.metric, p.attainment desc nulls last",
                [plan_month],
            )

        alerts = None
        alert_columns = tables.get("mart_kpi_alerts")
        if alert_columns:
            severity = SEVERITY_ORDER if "severity" in alert_columns else "0"
            shown = _pick(alert_columns, ["detected_date", "severity", "alert_type", "message"])
            alerts = _frame(
                con,
                f"""
                select {", ".join(shown)}
                from mart_kpi_alerts
                where detected_date
                    > (select max(detected_date) from mart_kpi_alerts) - {ALERT_WINDOW_DAYS}
                order by {severity}, detected_date desc
                """,
            )
    return ReportData(
        as_of=as_of,
        month=month,
        partial_month=partial_month,
        leaderboard=leaderboard,
        revenue_trend=revenue_trend,
        activity_trend=activity_trend,
        funnel=funnel,
        plan_vs_fact=plan_vs_fact,
        plan_month=plan_month,
        alerts=alerts,
    )
