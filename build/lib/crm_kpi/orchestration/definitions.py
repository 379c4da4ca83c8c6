"""The Dagster code location of crm-kpi (``dagster dev -w workspace.yaml``)."""

from __future__ import annotations

from dagster import Definitions

from crm_kpi.orchestration.defs.dbt.dbt_models import crm_kpi_dbt
from crm_kpi.orchestration.defs.dlt.bitrix24_ingestion import bitrix24_raw
from crm_kpi.orchestration.defs.dlt.crm_ingestion import amocrm_raw
from crm_kpi.orchestration.defs.dlt.inputs_ingestion import inputs_raw
from crm_kpi.orchestration.defs.forecasting.win_model import win_model
from crm_kpi.orchestration.defs.quality.checks import build_checks
from crm_kpi.orchestration.defs.serving.serving_assets import (
    build_serving_assets,
    published_upstream_keys,
)
from crm_kpi.orchestration.freshness import with_freshness
from crm_kpi.orchestration.jobs import full_refresh_job, nightly_job, nightly_schedule
from crm_kpi.orchestration.resources import build_resources
from crm_kpi.orchestration.sensors import build_sensors

defs = Definitions(
    assets=[
        amocrm_raw,
        bitrix24_raw,
        inputs_raw,
        crm_kpi_dbt,
        win_model,
        *build_serving_assets(published_upstream_keys([*crm_kpi_dbt.keys, *win_model.keys])),
    ],
    asset_checks=build_checks(),
    jobs=[nightly_job, full_refresh_job],
    schedules=[nightly_schedule()],
    sensors=build_sensors(),
    resources=build_resources(),
)
# Freshness policies on raw tables and marts (orchestration/freshness.py).
defs = with_freshness(defs)
