"""The Dagster code location of crm-kpi (``dagster dev -w workspace.yaml``)."""

from __future__ import annotations

from dagster import Definitions

from orchestration.assets.crm_ingestion import amocrm_raw
from orchestration.assets.dbt_models import crm_kpi_dbt
from orchestration.assets.serving import build_serving_assets, published_upstream_keys
from orchestration.checks import build_checks
from orchestration.jobs import nightly_job, nightly_schedule
from orchestration.resources import build_resources

defs = Definitions(
    assets=[
        amocrm_raw,
        crm_kpi_dbt,
        *build_serving_assets(published_upstream_keys(crm_kpi_dbt.keys)),
    ],
    asset_checks=build_checks(),
    jobs=[nightly_job],
    schedules=[nightly_schedule()],
    resources=build_resources(),
)
