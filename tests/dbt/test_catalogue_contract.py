"""The dbt manifest keeps the KPI catalogue's contract (``docs/kpi_catalogue.md``).

The catalogue's tables (section 2: core models, section 4: marts, section 3: KPI columns) are
read from the document itself; the manifest of one ``dbt parse`` is checked against them:
every catalogue column is a column of its model, every mart's contract is enforced with a
``data_type`` on every column, and every KPI column of a mart carries ``meta.kpi`` (C4).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = ROOT / "crm_kpi" / "transform" / "dbt_project"
CATALOGUE = ROOT / "docs" / "kpi_catalogue.md"

# Section 4 says "every KPI of section 3 that has a manager": these KPIs are not per manager
# (per deal, per plan metric, per forecast month, per lead source, per customer).
KPIS_WITHOUT_A_MANAGER = {
    "stage_win_probability", "win_probability", "attainment", "run_rate_forecast",
    "forecast_revenue", "backtest_mape", "naive_mape", "cac", "romi", "revenue_total",
    "predicted_cltv",
}  # fmt: skip
# Section 1 (money) adds these to fct_deals.
SECTION_1_COLUMNS = {"fct_deals": ["amount_original", "currency_original"]}
# KPIs computed outside dbt (the win model, Python): pinned by tests/forecasting instead.
KPIS_PINNED_OUTSIDE_DBT = {"win_probability", "forecast_revenue", "backtest_mape", "naive_mape"}
# One `dbt parse` (about 20 s of CPU) feeds every test but the first.
slow = pytest.mark.slow
UNITS = {"ratio", "money", "count", "seconds", "minutes", "hours", "days", "share", "metric"}


def _section(number: int) -> str:
    text = CATALOGUE.read_text(encoding="utf-8")
    start = text.index(f"\n## {number}.")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def _rows(section: str) -> list[list[str]]:
    """The body rows of the section's first table, as lists of cells."""
    lines = [line for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]


def _names(cell: str) -> list[str]:
    """The backticked names of a cell, leaving out those in parentheses (values, remarks)."""
    while re.search(r"\([^()]*\)", cell):
        cell = re.sub(r"\([^()]*\)", "", cell)
    return re.findall(r"`(\w+)`", cell)


def _grain(cell: str) -> list[str]:
    cell = re.sub(r"\([^()]*\)", "", cell)
    return [part.strip() for part in cell.split(",") if part.strip()]


@cache
def section_3_kpis() -> list[str]:
    """KPI columns of section 3, in catalogue order."""
    return [name for row in _rows(_section(3)) for name in _names(row[1])]


@cache
def catalogue() -> dict[str, list[str]]:
    """Model -> the columns the catalogue requires (grain keys, account_key, listed columns)."""
    required: dict[str, list[str]] = {}
    for number in (2, 4):
        for model_cell, grain, columns in _rows(_section(number)):
            (model,) = _names(model_cell)
            # section 1: every mart row carries account_key (section 2 grains name it)
            names = ["account_key"] if number == 4 else []
            names += [*_grain(grain), *_names(columns)]
            # the manager mart ("every KPI of section 3 that has a manager") and the team
            # mart ("the same KPIs rolled up")
            if "every KPI of section 3" in columns or "the same KPIs" in columns:
                names += [k for k in section_3_kpis() if k not in KPIS_WITHOUT_A_MANAGER]
            names += SECTION_1_COLUMNS.get(model, [])
            required[model] = list(dict.fromkeys(names))
    return required


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The manifest of one ``dbt parse`` (no database needed) into a temporary target."""
    work = tmp_path_factory.mktemp("dbt_parse")
    env = {**os.environ, "CRM_KPI_WAREHOUSE": str(work / "w.duckdb"), "DO_NOT_TRACK": "1"}
    subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            "parse",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
            "--quiet",
        ],
        env=env,
        check=True,
        timeout=600,
    )
    return json.loads((work / "target" / "manifest.json").read_text(encoding="utf-8"))


def _tables(manifest: dict) -> dict[str, dict]:
    """Models and sources by name (the win model's marts are dbt sources)."""
    nodes = [*manifest["nodes"].values(), *manifest["sources"].values()]
    return {n["name"]: n for n in nodes if n["resource_type"] in ("model", "source")}


def _marts(manifest: dict) -> dict[str, dict]:
    return {
        name: node
        for name, node in _tables(manifest).items()
        if node["resource_type"] == "model" and node["config"].get("schema") == "marts"
    }


def test_the_catalogue_is_read() -> None:
    assert len(catalogue()) == 21 and "mart_customer_value" in catalogue()
    assert {"win_rate", "avg_deal_value", "cohort_conversion_rate"} <= set(section_3_kpis())
    assert "team_id" in catalogue()["mart_manager_monthly"]
    assert "win_rate" in catalogue()["mart_team_monthly"]
    assert "account_key" not in catalogue()["dim_dates"]
    assert "model" not in catalogue()["mart_deal_scores"]  # a value, in parentheses


@slow
@pytest.mark.parametrize("model", sorted(catalogue()))
def test_catalogue_columns_are_model_columns(manifest: dict, model: str) -> None:
    tables = _tables(manifest)
    assert model in tables, f"{model} (KPI catalogue) is not in the dbt project"
    missing = [c for c in catalogue()[model] if c not in tables[model]["columns"]]
    assert not missing, f"{model} lacks catalogue columns {missing}"


@slow
def test_every_mart_has_an_enforced_contract_with_typed_columns(manifest: dict) -> None:
    marts = _marts(manifest)
    assert len(marts) >= 13
    for name, node in marts.items():
        assert node["config"]["contract"]["enforced"], f"{name}: contract not enforced"
        untyped = [c for c, column in node["columns"].items() if not column.get("data_type")]
        assert not untyped, f"{name}: columns without data_type {untyped}"


@slow
def test_every_kpi_column_of_a_mart_has_kpi_meta(manifest: dict) -> None:
    kpis = set(section_3_kpis())
    for name, node in _tables(manifest).items():
        if not name.startswith("mart_"):
            continue
        columns = node["columns"]
        missing = [c for c in columns if c in kpis and "kpi" not in columns[c]["meta"]]
        assert not missing, f"{name}: KPI columns without meta.kpi {missing}"


@slow
def test_kpi_meta_is_well_formed_and_means_the_same_in_every_mart(manifest: dict) -> None:
    seen: dict[str, dict] = {}
    for name, node in _tables(manifest).items():
        for column, spec in node["columns"].items():
            kpi = spec["meta"].get("kpi")
            if not kpi:
                continue
            where = f"{name}.{column}"
            assert set(kpi["label"]) == {"en", "ru"} and all(kpi["label"].values()), where
            assert kpi["unit"] in UNITS, where
            if "range" in kpi:
                low, high = kpi["range"]
                assert low is None or high is None or low <= high, where
            assert ("numerator" in kpi) == ("denominator" in kpi), where
            for side in ("numerator", "denominator"):
                for term in re.findall(r"[a-z_]+", kpi.get(side, "")):
                    assert term in node["columns"], f"{where}: {side} names {term}, not a column"
            label = (kpi["label"]["en"], kpi["label"]["ru"], kpi["unit"])
            assert seen.setdefault(column, {"label": label, "at": where})["label"] == label, (
                f"{where} and {seen[column]['at']} label or measure {column} differently"
            )


@slow
def test_kpi_columns_have_no_dbt_range_tests(manifest: dict) -> None:
    """GX owns value ranges (from meta.kpi.range); dbt keeps structure (C4)."""
    for node in manifest["nodes"].values():
        if node.get("test_metadata", {}).get("name") != "accepted_range":
            continue
        column = manifest["nodes"][node["attached_node"]]["columns"].get(node["column_name"], {})
        assert "range" not in column.get("meta", {}).get("kpi", {}), node["unique_id"]


@slow
@pytest.mark.parametrize("model", sorted(m for m in catalogue() if m.startswith("mart_")))
def test_every_mart_has_a_grain_test_and_questions_for_bi_users(manifest: dict, model: str) -> None:
    node = _tables(manifest)[model]
    assert "Grain:" in node["description"], model
    if node["resource_type"] == "source":  # written by the win model: its GX suite checks it
        return
    tests = [
        n["test_metadata"]["name"]
        for n in manifest["nodes"].values()
        if n["resource_type"] == "test"
        and n.get("attached_node") == node["unique_id"]
        and "test_metadata" in n
    ]
    assert "unique_combination_of_columns" in tests or "unique" in tests, f"{model}: no grain test"


@slow
def test_every_kpi_of_section_3_has_a_unit_test(manifest: dict) -> None:
    """Each KPI column appears in the expected rows of at least one dbt unit test."""
    expected: set[str] = set()
    for unit_test in manifest["unit_tests"].values():
        for row in unit_test["expect"].get("rows") or []:
            if isinstance(row, dict):
                expected.update(row)
    untested = set(section_3_kpis()) - KPIS_PINNED_OUTSIDE_DBT - expected
    assert not untested, sorted(untested)
