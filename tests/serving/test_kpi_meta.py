"""KPI labels come from the dbt manifest's ``meta.kpi`` (contract C4), not a copy in Python."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from crm_kpi.serving.console_table import format_table, headers
from crm_kpi.serving.kpi_meta import kpi_labels, kpi_meta_by_mart
from crm_kpi.serving.report.labels import Labels

WIN_RATE = {
    "label": {"en": "Win rate", "ru": "Доля выигранных"},
    "unit": "ratio",
    "range": [0, 1],
    "numerator": "deals_won",
    "denominator": "deals_won + deals_lost",
}


def _manifest(tmp_path: Path) -> Path:
    def column(name: str, kpi: dict | None = None) -> dict:
        return {"name": name, "meta": {"kpi": kpi} if kpi else {}}

    manifest = {
        "nodes": {
            "model.crm_kpi.mart_manager_monthly": {
                "resource_type": "model",
                "name": "mart_manager_monthly",
                "config": {"schema": "marts"},
                "columns": {
                    "manager_name": column("manager_name"),
                    "win_rate": column("win_rate", WIN_RATE),
                    "revenue": column(
                        "revenue", {"label": {"en": "Revenue", "ru": "Выручка"}, "unit": "money"}
                    ),
                    "call_duration_seconds": column(
                        "call_duration_seconds",
                        {"label": {"en": "Talk time", "ru": "Время"}, "unit": "seconds"},
                    ),
                },
            },
            "model.crm_kpi.fct_deals": {
                "resource_type": "model",
                "name": "fct_deals",
                "config": {"schema": "core"},
                "columns": {"amount": column("amount", {"label": {"en": "Not a mart"}})},
            },
        },
        "sources": {},
    }
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return path


def test_kpi_meta_of_the_marts_only(tmp_path: Path) -> None:
    marts = kpi_meta_by_mart(_manifest(tmp_path))
    assert set(marts) == {"mart_manager_monthly"}
    win_rate = marts["mart_manager_monthly"]["win_rate"]
    assert win_rate.range == (0, 1) and win_rate.denominator == "deals_won + deals_lost"
    assert "manager_name" not in marts["mart_manager_monthly"]


def test_report_labels_name_kpis_from_the_manifest(tmp_path: Path) -> None:
    manifest = _manifest(tmp_path)
    assert Labels("ru", manifest)("win_rate") == "Доля выигранных"
    assert Labels("en", manifest)("win_rate") == "Win rate"
    assert Labels("ru", manifest)("leaderboard") == "Рейтинг менеджеров"  # the report's own
    assert Labels("en", manifest)("new_metric") == "new metric"


def test_without_a_manifest_labels_fall_back_to_column_names(tmp_path: Path) -> None:
    assert kpi_labels(tmp_path / "missing.json", "en") == {}
    assert Labels("en", tmp_path / "missing.json")("win_rate") == "win rate"


def test_console_table_headers_are_the_english_kpi_labels(tmp_path: Path) -> None:
    manifest = _manifest(tmp_path)
    assert headers(manifest)["win_rate"] == "Win rate"
    assert headers(manifest)["call_duration_seconds"] == "Talk time (min)"
    frame = pd.DataFrame({"manager_name": ["Анна"], "win_rate": [0.5], "revenue": [1234.4]})
    assert format_table(frame, manifest).splitlines()[0].split() == [
        "manager", "Revenue", "Win", "rate",
    ]  # fmt: skip
