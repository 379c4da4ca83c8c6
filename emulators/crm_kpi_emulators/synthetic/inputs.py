"""The sales plan and marketing spend CSVs (KPI catalogue section 5) of a synthetic company.

Deterministic for a config: targets per manager and month for revenue, deals won, calls and
meetings (half the managers named by e-mail, to exercise both ways of naming them), and a
monthly spend per paid lead source. Fired managers get no plan after the month they leave.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .calendar import WorkCalendar
from .config import CompanyConfig
from .model import Manager
from .randomness import derived_rng
from .static import build_static

# Monthly targets per manager (base value; each manager's is scaled by 0.8-1.2).
PLAN_BASE = {"revenue": 1_500_000, "deals_won": 6, "calls_total": 300, "meetings_held": 10}
# Monthly spend per lead source code (sources missing here cost nothing).
SPEND_BASE = {"yandex_direct": 250_000, "google": 120_000, "seo": 60_000, "exhibition": 180_000}


@dataclass(frozen=True)
class InputFiles:
    """Where the two CSVs were written."""

    sales_plan: Path
    marketing_spend: Path


def _months(config: CompanyConfig) -> list[dt.date]:
    first = config.start_date.replace(day=1)
    last_day = config.start_date + dt.timedelta(days=max(config.days - 1, 0))
    months = []
    month = first
    while month <= last_day:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def write_input_files(
    config: CompanyConfig,
    directory: Path,
    accounts: Sequence[tuple[str, bool]] | None = None,
) -> InputFiles:
    """Write ``sales_plan.csv`` and ``marketing_spend.csv`` for ``config`` into ``directory``.

    ``accounts``: ``(account_key, by_email)`` of every account serving the company (default:
    the amoCRM account ``amocrm:<account_id>``). Each gets the same plan and spend; with
    ``by_email`` every manager is named by e-mail (user ids differ between CRMs), else half
    of them.
    """
    calendar = WorkCalendar(config.start_date, config.timezone, config.seed)
    static = build_static(config, calendar)
    if accounts is None:
        accounts = [(f"amocrm:{config.account_id}", False)]
    months = _months(config)
    directory.mkdir(parents=True, exist_ok=True)
    files = InputFiles(directory / "sales_plan.csv", directory / "marketing_spend.csv")

    with files.sales_plan.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["account_key", "manager_id", "manager_email", "month", "metric", "target"])
        for account_key, emails_only in accounts:
            _write_plan(writer, account_key, emails_only, config, calendar, static.managers, months)

    with files.marketing_spend.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["account_key", "lead_source", "month", "spend"])
        for account_key, _ in accounts:
            for month in months:
                rng = derived_rng(config.seed, "spend", month.isoformat())
                for source in static.lead_sources:
                    base = SPEND_BASE.get(source.code)
                    if base is not None:
                        spend = f"{base * rng.uniform(0.85, 1.15):.2f}"
                        writer.writerow([account_key, source.code, month.strftime("%Y-%m"), spend])
    return files


def _write_plan(
    writer: Any,
    account_key: str,
    emails_only: bool,
    config: CompanyConfig,
    calendar: WorkCalendar,
    managers: tuple[Manager, ...],
    months: list[dt.date],
) -> None:
    for index, manager in enumerate(managers):
        scale = derived_rng(config.seed, "plan", manager.id).uniform(0.8, 1.2)
        fired_month = None
        if manager.fired_day is not None:
            fired_month = calendar.date(manager.fired_day).replace(day=1)
        by_email = emails_only or index % 2 == 1
        for month in months:
            if fired_month is not None and month > fired_month:
                continue
            for metric, base in PLAN_BASE.items():
                writer.writerow(
                    [
                        account_key,
                        "" if by_email else manager.id,
                        manager.email if by_email else "",
                        month.strftime("%Y-%m"),
                        metric,
                        int(round(base * scale, -3 if metric == "revenue" else 0)),
                    ]
                )
