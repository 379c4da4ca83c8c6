"""`crm-kpi run --select/--skip` chooses a subset of the very runs the nightly sensor starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_kpi.orchestration.definitions import defs
from crm_kpi.orchestration.defs.dlt.crm_ingestion import MERGED_KEY
from crm_kpi.orchestration.defs.serving.serving_assets import REPORT_KEY, SNAPSHOT_KEY
from crm_kpi.orchestration.jobs import NIGHTLY_JOB_NAME
from crm_kpi.sources.pipelines import account_file
from crm_kpi.sources.registry import crm
from crm_kpi.stages import selection_for


def _job():
    return defs.resolve_job_def(NIGHTLY_JOB_NAME)


def test_every_stage_is_the_whole_nightly_batch() -> None:
    """All stages: the accounts' ingestion jobs plus the nightly job, i.e. the code location."""
    job = _job()
    everything = selection_for(job, ["ingestion", "inputs", "transform", "quality", "publish",
                                     "report"], ["amocrm", "bitrix24"])  # fmt: skip
    graph = defs.resolve_asset_graph()
    assert everything.assets == frozenset(graph.executable_asset_keys)
    assert everything.checks == frozenset(graph.asset_check_keys)
    # the nightly part is executable: Dagster accepts it
    nightly = everything.assets & frozenset(job.asset_layer.asset_graph.executable_asset_keys)
    job.get_subset(asset_selection=set(nightly), asset_check_selection=set())


def test_skip_ingestion_rebuilds_from_what_is_loaded() -> None:
    chosen = selection_for(_job(), ["inputs", "transform", "quality", "publish", "report"], [])
    schemas = {key.path[0] for key in chosen.assets}
    assert "raw_amocrm" not in schemas and "raw_bitrix24" not in schemas
    assert {"raw_inputs", "marts", "serving"} <= schemas
    assert chosen.checks


def test_skip_ingestion_merges_the_accounts_staged_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The raw schemas are rebuilt from the accounts' staging files when there are some."""
    monkeypatch.setenv("CRM_KPI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SOURCES__AMOCRM__SUBDOMAIN", "acme")
    monkeypatch.setenv("SOURCES__AMOCRM__ACCESS_TOKEN", "token")
    skip_ingestion = ["inputs", "transform", "quality", "publish", "report"]
    assert MERGED_KEY not in selection_for(_job(), skip_ingestion, ["amocrm"]).assets
    [account] = crm("amocrm").accounts()
    staged = account_file(tmp_path / "data" / "accounts", account)
    staged.parent.mkdir(parents=True)
    staged.touch()
    assert MERGED_KEY in selection_for(_job(), skip_ingestion, ["amocrm"]).assets
    assert MERGED_KEY not in selection_for(_job(), ["publish", "report"], ["amocrm"]).assets


def test_unconfigured_crm_and_skipped_quality_are_left_out() -> None:
    chosen = selection_for(_job(), ["ingestion", "publish", "report"], ["amocrm"])
    schemas = {key.path[0] for key in chosen.assets}
    assert "raw_amocrm" in schemas and "raw_bitrix24" not in schemas
    assert SNAPSHOT_KEY in chosen.assets and REPORT_KEY in chosen.assets
    assert not chosen.checks
    checked = selection_for(_job(), ["ingestion", "quality"], ["amocrm"]).checks
    assert {check.asset_key.path[0] for check in checked} >= {"raw_amocrm", "marts"}
    assert "raw_bitrix24" not in {check.asset_key.path[0] for check in checked}
