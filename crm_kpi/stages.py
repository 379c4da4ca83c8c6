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
    "transform": "dbt build (staging, core, marts, their dbt tests) and the win model; "
    "without ingestion, the accounts' staged loads are merged into the warehouse first",
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


def staged_loads(crms: Iterable[str]) -> bool:
    """Has an account of one of ``crms`` a staging file from an earlier load (DuckDB)?"""
    from crm_kpi.config import Settings
    from crm_kpi.sources.pipelines import account_file
    from crm_kpi.sources.registry import crm

    accounts_dir = Settings.from_env(env_vars=False).accounts_dir
    return any(
        account_file(accounts_dir, account).exists()
        for name in crms
        for account in crm(name).accounts()
    )


def stage_assets(crms: Iterable[str]) -> dict[str, set[AssetKey]]:
    """The asset keys of each stage (ingestion: only the CRMs in ``crms``, and the merge).

    The merge of the accounts' staging files (``raw/accounts_merged``) is part of ingestion,
    and of the transform when an account has a staged load: ``--skip ingestion`` then
    rebuilds from everything loaded so far (the merge is idempotent).
    """
    from crm_kpi.orchestration.definitions import defs
    from crm_kpi.orchestration.defs.dbt.dbt_models import crm_kpi_dbt
    from crm_kpi.orchestration.defs.dlt.crm_ingestion import MERGED_KEY, ingestion_job_name
    from crm_kpi.orchestration.defs.dlt.inputs_ingestion import inputs_raw
    from crm_kpi.orchestration.defs.forecasting.win_model import win_model
    from crm_kpi.orchestration.defs.serving.serving_assets import (
        DIGEST_KEY,
        GATE_KEY,
        POSTGRES_KEY,
        REPORT_KEY,
        SNAPSHOT_KEY,
    )
    from crm_kpi.sources.registry import crm

    crms = list(crms)
    jobs = [defs.resolve_job_def(ingestion_job_name(crm(name))) for name in crms]
    raw = {key for job in jobs for key in job.asset_layer.selected_asset_keys}
    merge = {MERGED_KEY} if staged_loads(crms) else set()
    return {
        "ingestion": {*raw, MERGED_KEY},
        "inputs": set(inputs_raw.keys),
        "transform": {*merge, *crm_kpi_dbt.keys, *win_model.keys},
        "quality": set(),
        "publish": {SNAPSHOT_KEY, POSTGRES_KEY},
        "report": {REPORT_KEY, DIGEST_KEY, GATE_KEY},
    }


def selection_for(
    job: JobDefinition | None, stages: Sequence[str], crms: Iterable[str]
) -> Selection:
    """The assets of ``stages`` and, with ``quality``, the checks of the code location.

    The checks are those of every job of the batch (the accounts' ingestion jobs and the
    nightly job), whichever ``job`` is given. Checks of assets outside the selection run too
    (against what is in the warehouse), so ``--skip ingestion`` still validates what was loaded;
    the raw tables of a CRM that is not configured are not checked (they are empty by design).
    """
    from crm_kpi.orchestration.definitions import defs
    from crm_kpi.sources.registry import registered_crms

    asset_graph = defs.resolve_asset_graph()
    crms = list(crms)
    by_stage = stage_assets(crms)
    assets = frozenset(key for stage in stages for key in by_stage[stage])
    unconfigured = {p.raw_schema for p in registered_crms() if p.name not in crms}
    checks = frozenset(
        check
        for check in (asset_graph.asset_check_keys if "quality" in stages else ())
        if check.asset_key.path[0] not in unconfigured
    )
    return Selection(assets=assets, checks=checks)
