"""The Dagster assets of the CSV inputs match the dbt sources that read them."""

from __future__ import annotations

from pathlib import Path

import yaml
from dagster import AssetKey

from crm_kpi.orchestration.defs.dlt.inputs_ingestion import inputs_raw

SOURCES_YAML = (
    Path(__file__).resolve().parents[2]
    / "crm_kpi"
    / "transform"
    / "dbt_project"
    / "models"
    / "staging"
    / "inputs"
    / "_inputs__sources.yml"
)


def test_every_raw_inputs_source_is_a_dlt_asset_and_back() -> None:
    document = yaml.safe_load(SOURCES_YAML.read_text(encoding="utf-8"))
    (source,) = [s for s in document["sources"] if s["name"] == "raw_inputs"]
    source_keys = {AssetKey(["raw_inputs", table["name"]]) for table in source["tables"]}
    assert source_keys == set(inputs_raw.keys)
