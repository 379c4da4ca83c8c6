"""Load the CSV inputs into ``raw_inputs`` of the warehouse (outside Dagster: tests, scripts)."""

from __future__ import annotations

import dlt

from crm_kpi.config import Settings, get_settings
from crm_kpi.warehouse import Warehouse

from . import MARKETING_SPEND_COLUMNS, SALES_PLAN_COLUMNS, inputs_source
from .managers import managers_from_warehouse
from .previous import last_good_rows
from .settings import MARKETING_SPEND_TABLE, RAW_SCHEMA, SALES_PLAN_TABLE

# parquet: see crm_kpi/sources/pipelines.py (DuckDB loads it much faster than insert_values).
LOADER_FILE_FORMAT = "parquet"


def inputs_pipeline(settings: Settings | None = None) -> dlt.Pipeline:
    """The dlt pipeline that writes the inputs into ``raw_inputs`` of the warehouse file."""
    settings = settings or get_settings()
    return dlt.pipeline(
        pipeline_name="crm_kpi_inputs",
        destination=Warehouse.from_env().dlt_destination(),
        dataset_name=RAW_SCHEMA,
        pipelines_dir=str(settings.dlt_pipelines_dir),
    )


def configured_inputs_source(
    settings: Settings | None = None, warehouse: Warehouse | None = None
) -> dlt.sources.DltSource:
    """The inputs source for the configured files; plan managers checked against the warehouse."""
    settings = settings or get_settings()
    warehouse = warehouse or Warehouse.from_env()
    return inputs_source(
        sales_plan_path=settings.sales_plan_path,
        marketing_spend_path=settings.marketing_spend_path,
        managers=managers_from_warehouse(warehouse),
        previous=last_good_rows(
            warehouse,
            {
                SALES_PLAN_TABLE: list(SALES_PLAN_COLUMNS),
                MARKETING_SPEND_TABLE: list(MARKETING_SPEND_COLUMNS),
            },
        ),
    )


def load_inputs(settings: Settings | None = None) -> dlt.common.pipeline.LoadInfo:
    """Validate and load both input files; returns dlt's load info."""
    settings = settings or get_settings()
    pipeline = inputs_pipeline(settings)
    return pipeline.run(configured_inputs_source(settings), loader_file_format=LOADER_FILE_FORMAT)
