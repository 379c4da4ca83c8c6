"""The HTML KPI report: self-contained, bilingual, degrades per section, renders in Chromium."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from serving_fixtures import make_warehouse, skip_or_fail

from crm_kpi.serving.report import build_report
from crm_kpi.serving.snapshot import publish_snapshot

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _snapshot(tmp_path: Path, optional_marts: bool = True) -> Path:
    warehouse = make_warehouse(tmp_path / "wh.duckdb", optional_marts=optional_marts)
    return publish_snapshot(warehouse, tmp_path / "serving").snapshot_path


def test_every_section_has_data_and_the_file_is_offline(tmp_path: Path) -> None:
    result = build_report(_snapshot(tmp_path), tmp_path / "reports", language="en")
    assert result.path.name == "kpi_report_2026-09-30.html"
    assert result.sections == {
        "leaderboard": True, "trends": True, "funnel": True, "plan_vs_fact": True, "alerts": True,
    }  # fmt: skip
    html = result.path.read_text(encoding="utf-8")
    assert "Manager leaderboard: September 2026" in html
    assert html.count("<svg") == 4  # revenue, activity, funnel, plan vs fact
    # nothing is fetched: no scripts, no links, no URLs other than XML namespaces
    assert "<script" not in html and "<link" not in html
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", html))
    assert all(url.startswith("http://www.w3.org/") for url in urls), urls
    assert "1. Вера Котова: 1,800,000" in result.summary
    assert "Open alerts: 2" in result.summary


def test_labels_in_russian(tmp_path: Path) -> None:
    result = build_report(_snapshot(tmp_path), tmp_path / "reports", language="ru")
    html = result.path.read_text(encoding="utf-8")
    assert '<html lang="ru">' in html
    assert "Рейтинг менеджеров: сентябрь 2026" in html
    assert "просроченные задачи" in html and "1\u202f800\u202f000" in html
    assert "Выручка 3\u202f600\u202f000" in result.summary


def test_absent_marts_give_no_data_sections(tmp_path: Path) -> None:
    result = build_report(
        _snapshot(tmp_path, optional_marts=False), tmp_path / "reports", language="en"
    )
    assert result.sections == {
        "leaderboard": True, "trends": True, "funnel": False, "plan_vs_fact": False,
        "alerts": False,
    }  # fmt: skip
    html = result.path.read_text(encoding="utf-8")
    assert html.count('class="no-data">No data</p>') == 3


def test_unknown_language_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="CRM_KPI_REPORT_LANGUAGE to one of ru, en"):
        build_report(_snapshot(tmp_path), tmp_path / "reports", language="de")


def test_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        skip_or_fail("Chromium is not installed (apt-get install chromium)")
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    result = build_report(_snapshot(tmp_path), tmp_path / "reports", language="ru")
    problems: list[str] = []
    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            args=CHROMIUM_ARGS,
        )
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("request", lambda request: requests.append(request.url))
            page.goto(result.path.as_uri(), wait_until="load")
            assert page.locator("section").count() == 5
            assert page.locator("section[data-has-data='true']").count() == 5
            charts = page.locator("figure.chart svg")
            assert charts.count() == 4
            for index in range(charts.count()):
                box = charts.nth(index).bounding_box()
                assert box and box["width"] > 200 and box["height"] > 100
            assert page.locator("#leaderboard tbody tr").count() == 3
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            browser.close()
    assert problems == []
    assert requests == [result.path.as_uri()]
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_one_report_per_account_with_its_name_and_partial_periods_marked(tmp_path: Path) -> None:
    from crm_kpi.serving.report import build_reports

    snapshot = _snapshot(tmp_path)

    with duckdb.connect(str(snapshot)) as connection:  # a second account in the snapshot
        for table in ("mart_manager_monthly", "mart_manager_daily"):
            connection.execute(
                f"insert into {table} select * replace ('bitrix24:other' as account_key)"
                f" from {table}"
            )
    results = build_reports(snapshot, tmp_path / "reports", language="en")
    assert len(results) == 2
    names = sorted(result.path.name for result in results)
    assert any("bitrix24_other" in name for name in names)
    for result in results:
        html = result.path.read_text(encoding="utf-8")
        account = "bitrix24:other" if "bitrix24_other" in result.path.name else None
        if account:
            assert f"<h1>Sales KPIs — {account}</h1>" in html
        # each manager once: the other account's copy is not in this report's leaderboard
        assert html.count("Вера Котова") >= 1
        assert result.summary.count("1. ") == 1


def test_reports_written_by_two_processes_equal_those_of_one(tmp_path: Path) -> None:
    import datetime as dt

    from crm_kpi.serving.report import build_reports

    snapshot = _snapshot(tmp_path)
    with duckdb.connect(str(snapshot)) as connection:  # three more accounts
        for table in ("mart_manager_monthly", "mart_manager_daily"):
            connection.execute(
                f"insert into {table} select * exclude (number) replace ('bitrix24:copy' || number"
                f" as account_key) from {table}, range(3) as copies(number)"
            )
    now = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)
    one = build_reports(snapshot, tmp_path / "one", language="en", now=now, workers=1)
    two = build_reports(snapshot, tmp_path / "two", language="en", now=now, workers=2)
    assert len(one) == len(two) == 4
    assert [r.path.name for r in one] == [r.path.name for r in two]
    assert [r.summary for r in one] == [r.summary for r in two]
    for first, second in zip(one, two, strict=True):
        assert first.path.read_bytes() == second.path.read_bytes(), first.path.name


def test_a_week_cut_by_the_horizon_is_marked_partial(tmp_path: Path) -> None:
    from crm_kpi.serving.report.data import load_report_data

    data = load_report_data(_snapshot(tmp_path))
    assert data.activity_trend is not None
    last = data.activity_trend.iloc[-1]
    week_end = pd.Timestamp(last["week_start"]) + pd.Timedelta(days=6)
    assert bool(last["is_partial"]) == (week_end > pd.Timestamp(data.as_of))
    assert not data.activity_trend.iloc[:-1]["is_partial"].any()
