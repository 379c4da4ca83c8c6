"""dlt assets: one Dagster asset per raw CRM table, keyed like the dbt sources that read them."""

import logging
from collections.abc import Iterator
from typing import Any

from dagster import AssetExecutionContext, AssetKey, AssetSpec
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, dlt_assets
from dagster_dlt.translator import DltResourceTranslatorData

from crm_kpi.config import RAW_SCHEMAS, export_warehouse_env
from crm_kpi.orchestration.defs.dlt.source_guard import guarded_load
from crm_kpi.sources.amocrm import amocrm_source
from crm_kpi.sources.amocrm.helpers.accounts import missing_settings as amocrm_missing_settings
from crm_kpi.sources.pipelines import LOADER_FILE_FORMAT, crm_pipeline, missing_settings

WAREHOUSE_POOL = "warehouse"
logger = logging.getLogger("crm_kpi.orchestration")


class RawTableTranslator(DagsterDltTranslator):
    """Keys a dlt resource as ``[raw_<crm>, <table>]``, the key dagster-dbt gives the source."""

    def __init__(self, schema: str) -> None:
        self.schema = schema

    def get_asset_spec(self, data: DltResourceTranslatorData) -> AssetSpec:
        spec = super().get_asset_spec(data)
        return spec.replace_attributes(
            key=AssetKey([self.schema, data.resource.name]),
            deps=[],
            group_name=self.schema,
        )


def raw_asset_key(crm: str, table: str) -> AssetKey:
    """The asset key of one raw table."""
    return AssetKey([RAW_SCHEMAS[crm], table])


class SourceNotConfigured(RuntimeError):
    """A CRM source was asked to run without its settings."""


def _require_configured(crm: str) -> None:
    missing = amocrm_missing_settings() if crm == "amocrm" else missing_settings(crm)
    if missing:
        raise SourceNotConfigured(
            f"{crm} is not configured: set {', '.join(missing)} (environment or .dlt/secrets.toml)"
        )


# The source object given here only describes the resources; no HTTP happens at load time.
# Each run builds a fresh source from the configuration in the environment.
@dlt_assets(
    dlt_source=amocrm_source(subdomain="unconfigured", access_token="unconfigured"),
    dlt_pipeline=crm_pipeline("amocrm"),
    name="amocrm_raw",
    dagster_dlt_translator=RawTableTranslator(RAW_SCHEMAS["amocrm"]),
    pool=WAREHOUSE_POOL,
)
def amocrm_raw(context: AssetExecutionContext, dlt: DagsterDltResource) -> Iterator[Any]:
    """Load every amoCRM endpoint into ``raw_amocrm`` (incremental, merged on primary keys)."""
    _require_configured("amocrm")
    settings = export_warehouse_env()
    logger.info("loading amoCRM into raw_amocrm (dlt) ...")
    yield from guarded_load(
        context,
        lambda: dlt.run(
            context=context,
            dlt_source=amocrm_source(),
            dlt_pipeline=crm_pipeline("amocrm", settings),
            loader_file_format=LOADER_FILE_FORMAT,
        ),
    )
