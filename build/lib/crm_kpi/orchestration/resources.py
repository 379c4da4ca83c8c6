"""Resources shared by the assets and checks."""

from __future__ import annotations

from dagster_dbt import DbtCliResource
from dagster_dlt import DagsterDltResource

from crm_kpi.orchestration.defs.dbt.dbt_models import dbt_executable, dbt_project


def build_resources() -> dict[str, object]:
    """The resources every job of the project runs with."""
    return {
        "dlt": DagsterDltResource(),
        "dbt": DbtCliResource(project_dir=dbt_project(), dbt_executable=dbt_executable()),
    }
