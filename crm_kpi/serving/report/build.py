"""Build the HTML KPI report from the published snapshot and write it atomically."""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import pandas as pd

from crm_kpi.serving.report import charts
from crm_kpi.serving.report.data import ReportData, load_report_data, report_accounts
from crm_kpi.serving.report.labels import Labels
from crm_kpi.serving.report.template import PAGE

logger = logging.getLogger("crm_kpi.serving")

MONEY = {"revenue", "avg_deal_value", "target", "actual"}
RATES = {"win_rate", "task_on_time_rate", "conversion_to_next", "attainment"}
TEXT_COLUMNS = {"manager_name", "team_name", "stage_name", "metric", "status", "severity",
                "alert_type", "message"}  # fmt: skip
TRANSLATED_VALUES = {"status", "severity", "metric", "alert_type"}


@dataclass(frozen=True)
class Cell:
    """A formatted table cell."""

    text: str
    css: str = ""


@dataclass(frozen=True)
class Table:
    """A formatted table."""

    headers: list[Cell]
    rows: list[list[Cell]]


@dataclass(frozen=True)
class Chart:
    """An inline SVG chart."""

    title: str
    svg: str


@dataclass
class Section:
    """One section of the report; without data it says so."""

    id: str
    title: str
    charts: list[Chart] = field(default_factory=list)
    table: Table | None = None

    @property
    def has_data(self) -> bool:
        """Whether the section shows anything."""
        return bool(self.charts or self.table)


@dataclass(frozen=True)
class ReportResult:
    """The written report and a short text summary (for the email body)."""

    path: Path
    as_of: dt.date | None
    sections: dict[str, bool]
    summary: str


def _format(column: str, value: object, labels: Labels) -> Cell:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return Cell("", "text" if column in TEXT_COLUMNS else "")
    if column in RATES:
        return Cell(labels.percent(value))
    if column in MONEY:
        return Cell(labels.number(value))
    if column == "avg_days_in_stage":
        return Cell(labels.number(value, 1))
    if column == "detected_date":
        return Cell(labels.date(value), "text")
    if column in TRANSLATED_VALUES:
        return Cell(labels(str(value)), f"text {column}-{value}")
    if column in TEXT_COLUMNS:
        return Cell(str(value), "text")
    return Cell(labels.number(value))


def _table(frame: pd.DataFrame, labels: Labels, ranked: bool = False) -> Table:
    columns = list(frame.columns)
    headers = ([Cell("#", "text")] if ranked else []) + [
        Cell(labels(c), "text" if c in TEXT_COLUMNS or c == "detected_date" else "")
        for c in columns
    ]
    rows = []
    for position, record in enumerate(frame.itertuples(index=False), start=1):
        cells = [_format(c, v, labels) for c, v in zip(columns, record, strict=True)]
        rows.append(([Cell(str(position), "text")] if ranked else []) + cells)
    return Table(headers, rows)


def _title(title: str, period: str) -> str:
    return f"{title}: {period}" if period else title


def _sections(data: ReportData, labels: Labels) -> list[Section]:
    leaderboard = Section("leaderboard", _title(labels("leaderboard"), labels.month(data.month)))
    if data.leaderboard is not None:
        leaderboard.table = _table(data.leaderboard, labels, ranked=True)

    trends = Section("trends", labels("trends"))
    if data.revenue_trend is not None:
        trends.charts.append(
            Chart(
                labels("revenue_by_month"),
                charts.revenue_by_month(data.revenue_trend, labels, data.partial_month),
            )
        )
    if data.activity_trend is not None:
        trends.charts.append(
            Chart(labels("activity_by_week"), charts.activity_by_week(data.activity_trend, labels))
        )

    funnel = Section("funnel", labels("funnel"))
    if data.funnel is not None:
        funnel.charts.append(Chart(labels("funnel"), charts.funnel(data.funnel, labels)))
        shown = data.funnel.assign(avg_days_in_stage=data.funnel["avg_hours_in_stage"] / 24)
        funnel.table = _table(
            shown[["stage_name", "deals_reached", "deals_reached_next", "conversion_to_next",
                   "avg_days_in_stage"]],
            labels,
        )  # fmt: skip

    plan_period = labels.month(data.plan_month)
    if data.plan_month is not None and data.plan_month == data.partial_month:
        plan_period += f" ({labels('partial_period')})"
    plan = Section("plan_vs_fact", _title(labels("plan_vs_fact"), plan_period))
    if data.plan_vs_fact is not None:
        plan.charts.append(
            Chart(labels("plan_vs_fact"), charts.plan_vs_fact(data.plan_vs_fact, labels))
        )
        plan.table = _table(data.plan_vs_fact, labels)

    alerts = Section("alerts", labels("alerts"))
    if data.alerts is not None:
        alerts.table = _table(data.alerts, labels)
    return [leaderboard, trends, funnel, plan, alerts]


def summarize(data: ReportData, labels: Labels) -> str:
    """A few plain-text lines: the month's revenue and deals, the top managers, alert count."""
    lines = [f"{labels('title')} — {labels('as_of')} {labels.date(data.as_of)}"]
    board = data.leaderboard
    if board is not None and "revenue" in board:
        month = f"{labels.month(data.month)}: {labels('revenue')} "
        month += labels.number(board["revenue"].sum())
        if "deals_won" in board:
            month += f", {labels('deals_won')}: {labels.number(board['deals_won'].sum())}"
        lines.append(month)
        for position, row in enumerate(board.head(3).itertuples(index=False), start=1):
            lines.append(f"  {position}. {row.manager_name}: {labels.number(row.revenue)}")
    else:
        lines.append(f"{labels('leaderboard')}: {labels('no_data')}")
    count = 0 if data.alerts is None else len(data.alerts)
    lines.append(f"{labels('alerts')}: {count}")
    return "\n".join(lines)


def render_html(
    data: ReportData,
    labels: Labels,
    generated: dt.datetime,
    sections: list[Section],
    account: str | None = None,
) -> str:
    """The whole report as one HTML string (``account``: its name and CRM, in the title)."""
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return environment.from_string(PAGE).render(
        lang=labels.language,
        t=labels,
        title=f"{labels('title')} — {account}" if account else labels("title"),
        as_of=labels.date(data.as_of) or labels("no_data"),
        generated=generated.strftime("%Y-%m-%d %H:%M UTC"),
        sections=sections,
    )


def _slug(account_key: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in account_key)


def build_report(
    snapshot_file: Path,
    output_dir: Path,
    language: str = "ru",
    now: dt.datetime | None = None,
    account_key: str | None = None,
    account_title: str | None = None,
) -> ReportResult:
    """Write ``kpi_report_<as of date>.html`` into ``output_dir`` (replaced atomically).

    With ``account_key``: that account's rows only, its name and CRM (``account_title``) in
    the title, and the file ``kpi_report_<account>_<as of date>.html``.
    """
    labels = Labels(language)
    now = now or dt.datetime.now(dt.UTC)
    from crm_kpi.serving.report.forecast_section import (  # imports this module's Section and Table
        forecast_sections,
        forecast_summary,
        load_forecast,
    )

    data = load_report_data(snapshot_file, account_key)
    forecast = load_forecast(snapshot_file, account_key)
    sections = _sections(data, labels) + forecast_sections(forecast, labels)
    account = account_title or account_key
    html = render_html(data, labels, now, sections, account)
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = (data.as_of or now.date()).isoformat()
    prefix = f"kpi_report_{_slug(account_key)}_" if account_key else "kpi_report_"
    path = output_dir / f"{prefix}{stamp}.html"
    temporary = output_dir / f".{path.name}.tmp"
    temporary.write_text(html, encoding="utf-8")
    os.replace(temporary, path)
    summary = "\n".join([summarize(data, labels), *forecast_summary(forecast, labels)])
    logger.info("report: %s (%d KB)", path, len(html.encode()) // 1024)
    return ReportResult(
        path=path,
        as_of=data.as_of,
        sections={s.id: s.has_data for s in sections},
        summary=f"{account}\n{summary}" if account else summary,
    )


# A process takes ~3 s to start (pandas, matplotlib, DuckDB) and a report ~0.4 s: one process
# per this many accounts, by default.
ACCOUNTS_PER_WORKER = 12
# Every this many reports, a progress line.
PROGRESS_EVERY = 50


def build_reports(
    snapshot_file: Path,
    output_dir: Path,
    language: str = "ru",
    now: dt.datetime | None = None,
    workers: int | None = None,
) -> list[ReportResult]:
    """One report per account of the snapshot (managers of two accounts never mix).

    Reports are independent and their charts CPU-bound (~0.4 s a report, mostly matplotlib):
    with many accounts they are written by ``workers`` processes (default: one per CPU, and
    no more than one per ``ACCOUNTS_PER_WORKER`` accounts), each reading the snapshot read-only.
    200 accounts on 2 cores: 87 s in one process, 48-50 s in two.
    """
    accounts = report_accounts(snapshot_file)
    now = now or dt.datetime.now(dt.UTC)
    if not accounts:
        return [build_report(snapshot_file, output_dir, language, now)]
    if workers is None:
        workers = min(os.cpu_count() or 1, len(accounts) // ACCOUNTS_PER_WORKER)
    workers = min(workers, len(accounts))
    if workers < 2:
        return [
            build_report(snapshot_file, output_dir, language, now, key, title)
            for key, title in accounts.items()
        ]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    logger.info("report: %d accounts, %d processes", len(accounts), workers)
    # spawn: a fork of a process running Dagster's or dbt's threads can deadlock.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [
            pool.submit(build_report, snapshot_file, output_dir, language, now, key, title)
            for key, title in accounts.items()
        ]
        results = []
        for done, future in enumerate(futures, start=1):
            results.append(future.result())
            if done % PROGRESS_EVERY == 0 or done == len(futures):
                logger.info("report: %d of %d accounts written", done, len(futures))
    return results
