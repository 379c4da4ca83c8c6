"""dlt assets for the CSV inputs (sales plan, marketing spend): keys ``[raw_inputs, <table>]``."""

import logging
from collections.abc import Iterator
from typing import Any

from dagster import AssetExecutionContext
from dagster_dlt import DagsterDltResource, dlt_assets

from crm_kpi.config import RAW_SCHEMAS, export_warehouse_env
from crm_kpi.orchestration.defs.dlt.crm_ingestion import WAREHOUSE_POOL, RawTableTranslator
from crm_kpi.sources.inputs import inputs_source
from crm_kpi.sources.inputs.pipeline import (
    LOADER_FILE_FORMAT,
    configured_inputs_source,
    inputs_pipeline,
)

logger = logging.getLogger("crm_kpi.orchestration")


# The source given here only describes the resources; each run reads the configured files.
@dlt_assets(
    dlt_source=inputs_source(),
    dlt_pipeline=inputs_pipeline(),
    name="inputs_raw",
    dagster_dlt_translator=RawTableTranslator(RAW_SCHEMAS["inputs"]),
    pool=WAREHOUSE_POOL,
)
def inputs_raw(context: AssetExecutionContext, dlt: DagsterDltResource) -> Iterator[Any]:
    """Validate the sales-plan and marketing-spend CSVs; load the good rows into ``raw_inputs``."""
    settings = export_warehouse_env()
    logger.info(
        "loading inputs into raw_inputs (dlt): %s, %s",
        settings.sales_plan_path,
        settings.marketing_spend_path,
    )
    yield from dlt.run(
        context=context,
        dlt_source=configured_inputs_source(settings),
        dlt_pipeline=inputs_pipeline(settings),
        loader_file_format=LOADER_FILE_FORMAT,
    )
