"""Small hand-made warehouses (3 managers, 3 months) for the serving tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
from service_helpers import (  # noqa: F401  (re-exported for the serving tests)
    PG_TEST_DB,
    PG_TEST_PASSWORD,
    PG_TEST_USER,
    drop_role,
    require_services,
    skip_or_fail,
    start_postgres,
)

MANAGERS = [
    ("1", "Анна Смирнова", "10", "Москва"),
    ("2", "Boris Ivanov", "10", "Москва"),
    ("3", "Вера Котова", "20", "Казань"),
]
MONTHS = [dt.date(2026, 7, 1), dt.date(2026, 8, 1), dt.date(2026, 9, 1)]


def make_warehouse(path: Path, generation: int = 1, optional_marts: bool = True) -> Path:
    """Write a tiny warehouse; every mart row's ``account_key`` carries ``generation``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    account = f"amocrm:{generation}"
    with duckdb.connect(str(path)) as con:
        for schema in ("core", "marts", "staging"):
            con.execute(f"create schema if not exists {schema}")
        con.execute(
            "create or replace table core.dim_managers as select * from (values "
            + ",".join(
                f"('{account}', '{m}', '{n}', 'm{m}@example.com', '{t}', '{tn}', true)"
                for m, n, t, tn in MANAGERS
            )
            + ") t(account_key, manager_id, manager_name, email, team_id, team_name, is_active)"
        )
        con.execute(
            "create or replace table core.dim_pipeline_stages as select * from (values "
            f"('{account}', 'p1', 's1', 'Sales', 'Первичный контакт', 10, 'open', true),"
            f"('{account}', 'p1', 's2', 'Sales', 'Переговоры', 20, 'open', true),"
            f"('{account}', 'p1', '142', 'Sales', 'Успешно реализовано', 10000, 'won', true),"
            f"('{account}', 'p1', '143', 'Sales', 'Закрыто и не реализовано', 11000, 'lost', true)"
            ") t(account_key, pipeline_id, stage_id, pipeline_name, stage_name, stage_sort,"
            " stage_type, is_main_pipeline)"
        )
        con.execute(
            "create or replace table core.dim_dates as select d::date as date_day,"
            " date_trunc('week', d)::date as week_start,"
            " date_trunc('month', d)::date as month_start,"
            " date_trunc('quarter', d)::date as quarter_start, year(d) as year,"
            " dayofweek(d) in (0, 6) as is_weekend"
            " from range(date '2026-07-01', date '2026-10-01', interval 1 day) r(d)"
        )
        con.execute("create or replace table core.fct_deals as select 1 as not_published")
        con.execute("create or replace view staging.stg_view as select 1 as not_published")
        con.execute(
            f"""
            create or replace table marts.mart_manager_daily as
            select '{account}' as account_key, m.manager_id, d.date_day as activity_date,
                   (d.date_day - date '2026-07-01') % 3 as deals_created,
                   ((d.date_day - date '2026-07-01') % 5 = 0)::int as deals_won,
                   (((d.date_day - date '2026-07-01') % 5 = 0)::int * 100000.0 * m.manager_id::int)
                       ::decimal(18, 2) as revenue,
                   ((d.date_day - date '2026-07-01') % 7 = 0)::int as deals_lost,
                   10 + m.manager_id::int as calls_total, 2 as meetings_held, 3 as emails_sent
            from core.dim_managers m cross join core.dim_dates d
            """
        )
        con.execute(
            """
            create or replace table marts.mart_manager_monthly as
            select d.account_key, d.manager_id, date_trunc('month', d.activity_date)::date
                       as month_start, m.manager_name, m.team_id, m.team_name,
                   sum(d.revenue)::decimal(18, 2) as revenue, sum(d.deals_won) as deals_won,
                   sum(d.deals_lost) as deals_lost, sum(d.deals_created) as deals_created,
                   sum(d.deals_won) / nullif(sum(d.deals_won) + sum(d.deals_lost), 0) as win_rate,
                   sum(d.revenue) / nullif(sum(d.deals_won), 0) as avg_deal_value,
                   sum(d.calls_total) as calls_total, sum(d.meetings_held) as meetings_held
            from marts.mart_manager_daily d join core.dim_managers m using (manager_id)
            group by all
            """
        )
        if optional_marts:
            con.execute(
                f"""
                create or replace table marts.mart_funnel_stages as select * from (values
                ('{account}', 'p1', 's1', date '2026-08-01', 'Первичный контакт', 10, 40, 25,
                 0.625, 10, 0.25, 30.5, 20.0),
                ('{account}', 'p1', 's2', date '2026-08-01', 'Переговоры', 20, 25, 12,
                 0.48, 8, 0.32, 72.0, 50.0)
                ) t(account_key, pipeline_id, stage_id, cohort_month, stage_name, stage_sort,
                    deals_reached, deals_reached_next, conversion_to_next, deals_lost_at_stage,
                    drop_off_rate, avg_hours_in_stage, median_hours_in_stage)
                """
            )
            con.execute(
                f"""
                create or replace table marts.mart_plan_vs_fact as
                select '{account}' as account_key, manager_id, date '2026-09-01' as month_start,
                       'revenue' as metric, 1000000.0 as target, revenue as actual,
                       revenue / 1000000.0 as attainment, 1000000.0 as expected_to_date,
                       revenue as run_rate_forecast,
                       case when revenue >= 1000000 then 'ahead' else 'behind' end as status
                from marts.mart_manager_monthly where month_start = date '2026-09-01'
                """
            )
            con.execute(
                f"""
                create or replace table marts.mart_kpi_alerts as select * from (values
                ('a1', '{account}', date '2026-09-29', 'overdue_tasks', '2', null, null, 7.0, 2.0,
                 'high', 'Boris Ivanov: 7 overdue tasks'),
                ('a2', '{account}', date '2026-09-30', 'untouched_deals', '3', 'p1', 's1', 4.0,
                 1.0, 'medium', 'Вера Котова: 4 untouched deals')
                ) t(alert_id, account_key, detected_date, alert_type, manager_id, pipeline_id,
                    stage_id, metric_value, baseline_value, severity, message)
                """
            )
    return path
