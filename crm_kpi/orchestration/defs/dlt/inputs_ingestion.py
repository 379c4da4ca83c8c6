"""dlt assets for the CSV inputs (sales plan, marketing spend): keys ``[raw_inputs, <table>]``."""

import logging
from collections.abc import Iterator
from typing import Any

from dagster import AssetExecutionContext
from dagster_dlt import DagsterDltResource, dlt_assets

from crm_kpi.config import INPUTS_SCHEMA, Settings
from crm_kpi.orchestration.defs.dlt.crm_ingestion import (
    MERGED_KEY,
    WAREHOUSE_POOL,
    RawTableTranslator,
)
from crm_kpi.sources.inputs import inputs_source
from crm_kpi.sources.inputs.pipeline import (
    LOADER_FILE_FORMAT,
    configured_inputs_source,
    inputs_pipeline,
)
from crm_kpi.warehouse import Warehouse

logger = logging.getLogger("crm_kpi.orchestration")


# The source given here only describes the resources; each run reads the configured files.
@dlt_assets(
    dlt_source=inputs_source(),
    dlt_pipeline=inputs_pipeline(Settings().resolved(Warehouse())),
    name="inputs_raw",
    # after the merge: the sales plan is checked against the managers the CRMs loaded
    dagster_dlt_translator=RawTableTranslator(INPUTS_SCHEMA, deps=[MERGED_KEY]),
    pool=WAREHOUSE_POOL,
)
def inputs_raw(
    context: AssetExecutionContext,
    dlt: DagsterDltResource,
    settings: Settings,
    warehouse: Warehouse,
) -> Iterator[Any]:
    """Validate the sales-plan and marketing-spend CSVs; load the good rows into ``raw_inputs``."""
    paths = settings.resolved(warehouse)
    logger.info(
        "loading inputs into raw_inputs (dlt): %s, %s",
        paths.sales_plan_path,
        paths.marketing_spend_path,
    )
    yield from dlt.run(
        context=context,
        dlt_source=configured_inputs_source(paths, warehouse),
        dlt_pipeline=inputs_pipeline(paths),
        loader_file_format=LOADER_FILE_FORMAT,
    )
