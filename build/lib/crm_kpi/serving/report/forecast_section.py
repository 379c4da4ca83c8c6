"""The report's forecast sections and digest lines: the month forecast with its backtest error
beside the naive baseline's, and the top open deals by expected value with their probability.

Read from the published snapshot (``mart_revenue_forecast``: account rows of the current month;
``mart_deal_scores``; ``mart_win_model_quality``). Kept apart from ``build`` so the report's
other sections can change without touching this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from crm_kpi.serving.report.build import Cell, Section, Table
from crm_kpi.serving.report.labels import Labels

TOP_DEALS = 10
TEXT = {
    "ru": {
        "forecast": "Прогноз выручки на месяц",
        "top_deals": "Крупнейшие открытые сделки по ожидаемой выручке",
        "account": "Аккаунт",
        "month": "Месяц",
        "won_to_date": "Выиграно",
        "expected_in_month": "Ожидается",
        "forecast_revenue": "Прогноз",
        "backtest_mape": "Ошибка прогноза (бэктест)",
        "naive_mape": "Ошибка наивного прогноза",
        "verdict": "Вывод",
        "beats_naive": "точнее, чем «как в прошлом месяце»",
        "not_better": "не точнее, чем «как в прошлом месяце»",
        "no_backtest": "меньше 3 месяцев истории: ошибка неизвестна",
        "deal_name": "Сделка",
        "stage_name": "Этап",
        "amount": "Сумма",
        "win_probability": "Вероятность",
        "expected_value": "Ожидаемая выручка",
        "expected_close_date": "Ожидаемое закрытие",
        "source": "Оценка",
        "model": "модель",
        "stage": "по этапу",
        "top_factors": "Главные факторы",
        "digest_forecast": "Прогноз на {month}: {forecast} (выиграно {won}); ошибка {mape}, "
        "наивного прогноза {naive}",
        "digest_deal": "  {deal}: {value} ({probability})",
        "digest_model": "Оценка сделок: {source} — {decision}",
    },
    "en": {
        "forecast": "Revenue forecast for the month",
        "top_deals": "Top open deals by expected value",
        "account": "Account",
        "month": "Month",
        "won_to_date": "Won to date",
        "expected_in_month": "Expected",
        "forecast_revenue": "Forecast",
        "backtest_mape": "Forecast error (backtest)",
        "naive_mape": "Naive forecast error",
        "verdict": "Verdict",
        "beats_naive": "beats “same as last month”",
        "not_better": "no better than “same as last month”",
        "no_backtest": "under 3 months of history: error unknown",
        "deal_name": "Deal",
        "stage_name": "Stage",
        "amount": "Amount",
        "win_probability": "Probability",
        "expected_value": "Expected value",
        "expected_close_date": "Expected close",
        "source": "Score",
        "model": "model",
        "stage": "stage only",
        "top_factors": "Top factors",
        "digest_forecast": "Forecast for {month}: {forecast} ({won} won); error {mape}, "
        "naive {naive}",
        "digest_deal": "  {deal}: {value} ({probability})",
        "digest_model": "Deal scores: {source} — {decision}",
    },
}


@dataclass(frozen=True)
class ForecastData:
    """The frames of the forecast sections (None: the mart is absent or empty)."""

    forecast: pd.DataFrame | None
    top_deals: pd.DataFrame | None
    quality: pd.DataFrame | None
    present: bool = True  # False: the snapshot has none of the forecast marts


def _query(
    con: duckdb.DuckDBPyConnection,
    tables: set[str],
    table: str,
    sql: str,
    account_key: str | None = None,
):
    if table not in tables:
        return None
    frame = con.execute(sql, {"account": account_key}).df()
    return None if frame.empty else frame


def load_forecast(snapshot_file: Path, account_key: str | None = None) -> ForecastData:
    """Read the forecast marts from the published snapshot (read-only), of one account or all."""
    mine = "($account is null or account_key = $account)"
    with duckdb.connect(str(snapshot_file), read_only=True) as con:
        tables = {row[0] for row in con.execute("show tables").fetchall()}
        forecast = _query(
            con,
            tables,
            "mart_revenue_forecast",
            """select account_key, month_start, won_to_date, expected_in_month, forecast_revenue,
                      backtest_mape, naive_mape
               from mart_revenue_forecast
               where pipeline_id is null and month_status = 'current' and """
            + mine
            + " order by account_key",
            account_key,
        )
        top = _query(
            con,
            tables,
            "mart_deal_scores",
            f"""select account_key, deal_name, stage_name, amount, win_probability,
                       expected_value, expected_close_date, win_probability_source,
                       top_factors, top_factors_ru
                from mart_deal_scores
                where expected_value is not null and {mine}
                order by expected_value desc, account_key, deal_id
                limit {TOP_DEALS}""",
            account_key,
        )
        quality = _query(
            con,
            tables,
            "mart_win_model_quality",
            """select account_key, win_probability_source, decision
               from mart_win_model_quality where pipeline_id is null and """
            + mine
            + " order by account_key",
            account_key,
        )
    present = bool(tables & {"mart_revenue_forecast", "mart_deal_scores"})
    return ForecastData(forecast, top, quality, present)


def _verdict(row: pd.Series, text: dict[str, str]) -> str:
    if pd.isna(row["backtest_mape"]) or pd.isna(row["naive_mape"]):
        return text["no_backtest"]
    return text["beats_naive"] if row["backtest_mape"] < row["naive_mape"] else text["not_better"]


def forecast_sections(data: ForecastData, labels: Labels) -> list[Section]:
    """The two report sections (each says so when it has no data; none without the marts)."""
    if not data.present:
        return []
    text = TEXT[labels.language]
    month = Section("forecast", text["forecast"])
    if data.forecast is not None:
        columns = ["account", "month", "won_to_date", "expected_in_month", "forecast_revenue",
                   "backtest_mape", "naive_mape", "verdict"]  # fmt: skip
        rows = [
            [
                Cell(str(row["account_key"]), "text"),
                Cell(labels.month(row["month_start"].date()), "text"),
                Cell(labels.number(row["won_to_date"])),
                Cell(labels.number(row["expected_in_month"])),
                Cell(labels.number(row["forecast_revenue"])),
                Cell(labels.percent(row["backtest_mape"])),
                Cell(labels.percent(row["naive_mape"])),
                Cell(_verdict(row, text), "text"),
            ]
            for _, row in data.forecast.iterrows()
        ]
        month.table = Table(_headers(columns, text), rows)
    deals = Section("top_deals", text["top_deals"])
    if data.top_deals is not None:
        factors = "top_factors_ru" if labels.language == "ru" else "top_factors"
        columns = ["deal_name", "stage_name", "amount", "win_probability", "expected_value",
                   "expected_close_date", "source", "top_factors"]  # fmt: skip
        rows = [
            [
                Cell(str(row["deal_name"] or ""), "text"),
                Cell(str(row["stage_name"] or ""), "text"),
                Cell(labels.number(row["amount"])),
                Cell(labels.percent(row["win_probability"])),
                Cell(labels.number(row["expected_value"])),
                Cell(labels.date(row["expected_close_date"]), "text"),
                Cell(text.get(str(row["win_probability_source"]), ""), "text"),
                Cell(str(row[factors] or ""), "text"),
            ]
            for _, row in data.top_deals.iterrows()
        ]
        deals.table = Table(_headers(columns, text), rows)
    return [month, deals]


def _headers(columns: list[str], text: dict[str, str]) -> list[Cell]:
    numeric = {"won_to_date", "expected_in_month", "forecast_revenue", "backtest_mape",
               "naive_mape", "amount", "win_probability", "expected_value"}  # fmt: skip
    return [Cell(text[c], "" if c in numeric else "text") for c in columns]


def forecast_summary(data: ForecastData, labels: Labels) -> list[str]:
    """Digest lines: each account's month forecast with both errors, the top 3 deals."""
    text = TEXT[labels.language]
    lines = []
    for _, row in (data.forecast if data.forecast is not None else pd.DataFrame()).iterrows():
        lines.append(
            f"{row['account_key']}: "
            + text["digest_forecast"].format(
                month=labels.month(row["month_start"].date()),
                forecast=labels.number(row["forecast_revenue"]),
                won=labels.number(row["won_to_date"]),
                mape=labels.percent(row["backtest_mape"]) or "—",
                naive=labels.percent(row["naive_mape"]) or "—",
            )
        )
    if data.top_deals is not None:
        lines.append(text["top_deals"] + ":")
        for _, row in data.top_deals.head(3).iterrows():
            lines.append(
                text["digest_deal"].format(
                    deal=row["deal_name"],
                    value=labels.number(row["expected_value"]),
                    probability=labels.percent(row["win_probability"]),
                )
            )
    for _, row in (data.quality if data.quality is not None else pd.DataFrame()).iterrows():
        source = text.get(str(row["win_probability_source"]), "")
        lines.append(
            f"{row['account_key']}: "
            + text["digest_model"].format(source=source, decision=row["decision"])
        )
    return lines
