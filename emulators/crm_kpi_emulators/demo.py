"""The demo: an emulated account of every CRM, the whole nightly graph, and a KPI table."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import duckdb

from crm_kpi.config import MARKETING_SPEND_ENV, SALES_PLAN_ENV, Settings
from crm_kpi.runner import format_summary, run_nightly
from crm_kpi.serving.console_table import format_table, last_full_month, monthly_kpis

DEMO_TOKEN = "demo-long-lived-token"
DEMO_DAYS = 120


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of the block, then restore the old ones."""
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _say(message: str) -> None:
    print(f"[crm-kpi] {message}", flush=True)


def run_demo(settings: Settings, days: int = DEMO_DAYS, seed: int = 42) -> int:
    """Serve a synthetic company through the emulator of every registered CRM that has one
    (one account each, one warehouse) and run the nightly job on it."""
    from crm_kpi_emulators.demo_serving import served_accounts
    from crm_kpi_emulators.registry import emulated_crms
    from crm_kpi_emulators.synthetic import CompanyConfig
    from crm_kpi_emulators.synthetic.inputs import write_input_files

    today = dt.date.today()
    config = CompanyConfig(seed=seed, start_date=today - dt.timedelta(days=days), days=days)
    started = time.monotonic()
    _say(f"generating the synthetic company ({days} days of history) ...")
    crms = [plugin.name for plugin, _ in emulated_crms()]
    with served_accounts(crms, config, DEMO_TOKEN, while_starting=_load_definitions) as served:
        for account in served:
            _say(account.description)
        plan_accounts = [(account.account_key, account.plan_by_email) for account in served]
        inputs = write_input_files(config, settings.data_dir / "inputs", plan_accounts)
        environment = {
            **{name: value for account in served for name, value in account.settings.items()},
            SALES_PLAN_ENV: str(inputs.sales_plan),
            MARKETING_SPEND_ENV: str(inputs.marketing_spend),
        }
        _say(f"sales plan and marketing spend of the company written to {inputs.sales_plan.parent}")
        _say("running the nightly job: load (dlt) → build (dbt) → validate (GX) ...")
        # Only for this run: afterwards the emulators are gone, so nothing may point at them.
        with _environment(environment):
            summary = run_nightly(log_path=settings.data_dir / "logs" / "last_run.log")
        requests = sum(account.requests() for account in served)
    print(format_summary(summary), flush=True)
    if not summary.success:
        return 1
    _say(f"done in {time.monotonic() - started:.0f} s ({requests} API requests)")
    month = last_full_month(today)
    frame = monthly_kpis(settings.warehouse_path, month)
    print(f"\nKPIs per manager for {month:%B %Y} (mart_manager_monthly):\n", flush=True)
    print(format_table(frame) if not frame.empty else "(no rows for that month)", flush=True)
    print(f"\nWarehouse: {settings.warehouse_path}", flush=True)
    print(f"Marts: schema 'marts' ({', '.join(_mart_names(settings.warehouse_path))})", flush=True)
    _print_serving()
    return 0 if not frame.empty else 1


def _load_definitions() -> None:
    """Import the Dagster definitions (and prepare dbt's manifest) ahead of the run.

    The run builds its definitions again with the emulators' settings; what takes the time
    here (imports, the first ``dbt parse``) is the same for any settings.
    """
    import crm_kpi.orchestration.definitions  # noqa: F401


def _print_serving() -> None:
    """Where the published snapshot and the HTML report of this run are."""
    from crm_kpi.config import get_serving_settings

    serving_dir = get_serving_settings().serving_path
    reports = sorted((serving_dir / "reports").glob("kpi_report_*.html"))
    print(f"Published for BI (read-only snapshot, Parquet/CSV): {serving_dir}", flush=True)
    if reports:
        print(f"HTML KPI report: {reports[-1]}", flush=True)


def _mart_names(warehouse_path: Path) -> list[str]:
    """The tables of the warehouse's ``marts`` schema, by name."""
    query = "select table_name from information_schema.tables where table_schema = 'marts'"
    with duckdb.connect(str(warehouse_path), read_only=True) as connection:
        return sorted(row[0] for row in connection.execute(query).fetchall())
