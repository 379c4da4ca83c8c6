"""The dbt project builds on an empty warehouse, and its core and mart tables match their YAML."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "crm_kpi" / "transform" / "dbt_project"

CONTRACT_LAYERS = ("core", "marts")


def _documented_models(layer: str) -> dict[str, list[str]]:
    """Model name -> documented column names, from the layer's YAML files."""
    models: dict[str, list[str]] = {}
    for path in sorted((DBT_PROJECT_DIR / "models" / layer).glob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for model in document.get("models") or []:
            models[model["name"]] = [column["name"] for column in model.get("columns") or []]
    return models


def _sql_models(layer: str) -> set[str]:
    return {path.stem for path in (DBT_PROJECT_DIR / "models" / layer).glob("*.sql")}


CONTRACTS = [
    (layer, model, columns)
    for layer in CONTRACT_LAYERS
    for model, columns in sorted(_documented_models(layer).items())
]


def _built_columns(warehouse: Path, schema: str, table: str) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.execute(
            """
            select column_name
            from information_schema.columns
            where table_schema = ? and table_name = ?
            order by ordinal_position
            """,
            [schema, table],
        ).fetchall()
    return [name for (name,) in rows]


def test_dbt_build_passes_on_an_empty_warehouse(dbt_build) -> None:
    assert dbt_build.returncode == 0, dbt_build.output[-5000:]
    failed = {
        node: status
        for node, status in dbt_build.statuses.items()
        if status not in {"success", "pass"}
        and not (node.startswith("exposure.") and status == "no-op")  # exposures run nothing
    }
    assert dbt_build.statuses and not failed, failed


def test_build_ran_models_data_tests_and_unit_tests(dbt_build) -> None:
    kinds = {unique_id.split(".")[0] for unique_id in dbt_build.statuses}
    assert {"model", "test", "unit_test"} <= kinds, kinds


@pytest.mark.parametrize("layer", CONTRACT_LAYERS)
def test_every_model_of_the_layer_is_documented(layer: str) -> None:
    assert _sql_models(layer) == set(_documented_models(layer)), layer


@pytest.mark.parametrize(
    ("layer", "model", "documented"),
    CONTRACTS,
    ids=[f"{layer}.{model}" for layer, model, _ in CONTRACTS],
)
def test_built_columns_equal_documented_columns(
    dbt_build, layer: str, model: str, documented: list[str]
) -> None:
    built = _built_columns(dbt_build.warehouse, layer, model)
    assert built, f"{layer}.{model} was not built"
    assert built == documented, (
        f"{layer}.{model}: undocumented {sorted(set(built) - set(documented))}, "
        f"documented but missing {sorted(set(documented) - set(built))}, or another order"
    )
