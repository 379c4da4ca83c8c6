"""dlt pipelines that load each CRM into its raw schema of the warehouse."""

from __future__ import annotations

import dlt
from dlt.common.configuration.exceptions import ConfigFieldMissingException

from crm_kpi.config import RAW_SCHEMAS, Settings, get_settings

# parquet: the default insert_values format took 45 s and 6.7 GB for 100k rows here.
LOADER_FILE_FORMAT = "parquet"


def crm_pipeline(crm: str, settings: Settings | None = None) -> dlt.Pipeline:
    """The dlt pipeline that loads ``crm`` into ``raw_<crm>`` of the warehouse file.

    The warehouse holds the pipeline state (incremental cursors); the local working folder
    is only a cache that dagster-dlt drops before each run.
    """
    settings = settings or get_settings()
    return dlt.pipeline(
        pipeline_name=f"crm_kpi_{crm}",
        destination=dlt.destinations.duckdb(str(settings.warehouse_path)),
        dataset_name=RAW_SCHEMAS[crm],
        pipelines_dir=str(settings.dlt_pipelines_dir),
    )


REQUIRED_SETTINGS = {
    "amocrm": (("sources.amocrm.subdomain", False), ("sources.amocrm.access_token", True)),
}


def missing_settings(crm: str) -> list[str]:
    """The environment variables still needed before ``crm`` can be loaded (empty: ready)."""
    missing = []
    for key, secret in REQUIRED_SETTINGS[crm]:
        provider = dlt.secrets if secret else dlt.config
        try:
            value = provider.get(key)
        except ConfigFieldMissingException:
            value = None
        if not value:
            missing.append(key.upper().replace(".", "__"))
    return missing
