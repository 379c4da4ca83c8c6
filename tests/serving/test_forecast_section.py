"""The report's forecast sections and digest lines (crm_kpi/serving/report/forecast_section.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb
from serving_fixtures import make_warehouse

from crm_kpi.serving.report import build_report
from crm_kpi.serving.snapshot import publish_snapshot


def _snapshot_with_forecast(tmp_path: Path) -> Path:
    warehouse = make_warehouse(tmp_path / "wh.duckdb")
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            """create table marts.mart_revenue_forecast as select * from (values
            ('amocrm:1', null, date '2026-10-01', 'current', 1000000.00, 500000.00,
             1500000.00, 0.2, 0.35),
            ('amocrm:1', 'p1', date '2026-10-01', 'current', 1000000.00, 500000.00,
             1500000.00, 0.2, 0.35)
            ) t(account_key, pipeline_id, month_start, month_status, won_to_date,
                expected_in_month, forecast_revenue, backtest_mape, naive_mape)"""
        )
        con.execute(
            """create table marts.mart_deal_scores as select * from (values
            ('amocrm:1', '7', 'Поставка станков', 'Переговоры', 400000.00, 0.5, 200000.00,
             date '2026-10-20', 'model', '5 activities in the last 14 days (raises the chance)',
             '5 действий за 14 дней (повышает шансы)'),
            ('amocrm:1', '8', 'Аудит', 'Первичный контакт', 100000.00, 0.1, 10000.00,
             date '2026-11-02', 'model', 'no first contact yet (lowers it)',
             'клиенту ещё не ответили (снижает шансы)')
            ) t(account_key, deal_id, deal_name, stage_name, amount, win_probability,
                expected_value, expected_close_date, win_probability_source, top_factors,
                top_factors_ru)"""
        )
        con.execute(
            """create table marts.mart_win_model_quality as select
            'amocrm:1' as account_key, null::varchar as pipeline_id,
            'model' as win_probability_source,
            'the model beats the stage baseline out of time' as decision"""
        )
    return publish_snapshot(warehouse, tmp_path / "serving").snapshot_path


def test_forecast_and_top_deals_in_english(tmp_path: Path) -> None:
    result = build_report(_snapshot_with_forecast(tmp_path), tmp_path / "reports", language="en")
    assert result.sections["forecast"] and result.sections["top_deals"]
    html = result.path.read_text(encoding="utf-8")
    assert "Revenue forecast for the month" in html
    assert "1,500,000" in html and "20%" in html and "35%" in html
    assert "beats “same as last month”" in html
    # deals by expected value, with probability and the model's words
    assert html.index("Поставка станков") < html.index("Аудит")
    assert "5 activities in the last 14 days (raises the chance)" in html
    assert "Forecast for October 2026: 1,500,000 (1,000,000 won); error 20%, naive 35%" in (
        result.summary
    )
    assert "  Поставка станков: 200,000 (50%)" in result.summary
    assert "Deal scores: model — the model beats the stage baseline out of time" in result.summary


def test_forecast_in_russian(tmp_path: Path) -> None:
    result = build_report(_snapshot_with_forecast(tmp_path), tmp_path / "reports", language="ru")
    html = result.path.read_text(encoding="utf-8")
    assert "Прогноз выручки на месяц" in html and "1\u202f500\u202f000" in html
    assert "5 действий за 14 дней (повышает шансы)" in html
    assert "Прогноз на октябрь 2026" in result.summary


def test_no_forecast_sections_without_the_marts(tmp_path: Path) -> None:
    warehouse = make_warehouse(tmp_path / "wh.duckdb")
    snapshot = publish_snapshot(warehouse, tmp_path / "serving").snapshot_path
    result = build_report(snapshot, tmp_path / "reports", language="en")
    assert "forecast" not in result.sections and "top_deals" not in result.sections
