"""A CRM registered at run time gets its assets, account partitions and job, with no edit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dlt
import pytest
from dagster import AssetKey

from crm_kpi.orchestration.definitions import build_definitions
from crm_kpi.sources.registry import CrmAccount, CrmPlugin, register, unregister


@dlt.source(name="dummy")
def _dummy_source() -> Any:
    @dlt.resource(name="things", primary_key="id")
    def things() -> Iterator[dict[str, int]]:
        yield {"id": 1}

    return things


DUMMY = CrmPlugin(
    name="dummy",
    title="Dummy CRM",
    raw_schema="raw_dummy",
    account_column="account",
    source=lambda account=None, **overrides: _dummy_source(),
    accounts=lambda: [CrmAccount(crm="dummy", name="default", label="one")],
    missing_settings=lambda: [],
    raw_suites=lambda: [],
)


@pytest.fixture
def dummy_crm() -> Iterator[CrmPlugin]:
    register(DUMMY)
    yield DUMMY
    unregister(DUMMY.name)


def test_a_registered_crm_appears_in_the_definitions(dummy_crm: CrmPlugin) -> None:
    defs = build_definitions()
    job = defs.resolve_job_def("dummy_ingestion")
    assert AssetKey(["raw_dummy", "things"]) in job.asset_layer.selected_asset_keys
    assert job.partitions_def.name == "dummy_accounts"
    graph = defs.resolve_asset_graph()
    merged = graph.get(AssetKey(["raw", "accounts_merged"]))
    assert AssetKey(["raw_dummy", "things"]) in merged.parent_keys
    assert defs.resolve_sensor_def("crm_kpi_nightly") is not None
