"""The stages of the nightly job that ``crm-kpi run --select/--skip`` can choose.

Every stage is a set of assets (or, for ``quality``, the asset checks) of the nightly job,
so ``crm-kpi run`` executes the very job the schedule runs, or a subset of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # no Dagster import at start-up: the CLI checks the stage names first
    from dagster import AssetCheckKey, AssetKey, JobDefinition

# In the order the job runs them.
STAGES = ("ingestion", "inputs", "transform", "quality", "publish", "report")
STAGE_HELP = {
    "ingestion": "load every configured CRM (dlt)",
    "inputs": "load the sales-plan and marketing-spend CSVs",
    "transform": "dbt build (staging, core, marts, their dbt tests) and the win model",
    "quality": "Great Expectations checks (blocking on marts)",
    "publish": "snapshot, Parquet/CSV, PostgreSQL",
    "report": "HTML report and e-mail digest",
}


class UnknownStage(ValueError):
    """A ``--select``/``--skip`` value that names no stage."""


def chosen_stages(select: Sequence[str] | None, skip: Sequence[str] | None) -> list[str]:
    """The stages to run: ``select`` (default: all) minus ``skip``, in job order."""
    for name in [*(select or []), *(skip or [])]:
        if name not in STAGES:
            raise UnknownStage(f"unknown stage {name!r}: choose from {', '.join(STAGES)}")
    wanted = set(select or STAGES) - set(skip or [])
    return [stage for stage in STAGES if stage in wanted]


@dataclass(frozen=True)
class Selection:
    """The assets and asset checks of one run."""

    assets: frozenset[AssetKey]
    checks: frozenset[AssetCheckKey]


def stage_assets(crms: Iterable[str]) -> dict[str, set[AssetKey]]:
    """The asset keys of each stage (ingestion: only the CRMs in ``crms``)."""
    from crm_kpi.orchestration.defs.dbt.dbt_models import crm_kpi_dbt
    from crm_kpi.orchestration.defs.dlt.bitrix24_ingestion import bitrix24_raw
    from crm_kpi.orchestration.defs.dlt.crm_ingestion import amocrm_raw
    from crm_kpi.orchestration.defs.dlt.inputs_ingestion import inputs_raw
    from crm_kpi.orchestration.defs.forecasting.win_model import win_model
    from crm_kpi.orchestration.defs.serving.serving_assets import (
        DIGEST_KEY,
        GATE_KEY,
        POSTGRES_KEY,
        REPORT_KEY,
        SNAPSHOT_KEY,
    )

    raw = {"amocrm": amocrm_raw, "bitrix24": bitrix24_raw}
    return {
        "ingestion": {key for crm in crms for key in raw[crm].keys},
        "inputs": set(inputs_raw.keys),
        "transform": {*crm_kpi_dbt.keys, *win_model.keys},
        "quality": set(),
        "publish": {SNAPSHOT_KEY, POSTGRES_KEY},
        "report": {REPORT_KEY, DIGEST_KEY, GATE_KEY},
    }


def selection_for(job: JobDefinition, stages: Sequence[str], crms: Iterable[str]) -> Selection:
    """The assets of ``stages`` and, with ``quality``, the checks of the job.

    Checks of assets outside the selection run too (against what is in the warehouse), so
    ``--skip ingestion`` still validates what was loaded; the raw tables of a CRM that is not
    configured are not checked (they are empty by design).
    """
    by_stage = stage_assets(crms)
    assets = frozenset(key for stage in stages for key in by_stage[stage])
    unconfigured = {"raw_amocrm", "raw_bitrix24"} - {key.path[0] for key in by_stage["ingestion"]}
    checks = frozenset(
        check
        for check in (job.asset_layer.asset_graph.asset_check_keys if "quality" in stages else ())
        if check.asset_key.path[0] not in unconfigured
    )
    return Selection(assets=assets, checks=checks)
