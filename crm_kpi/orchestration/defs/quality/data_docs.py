"""The Data Docs home page, built once per run after it ends (checks render only their pages).

Runs started by ``crm-kpi run`` build it in ``crm_kpi.runner``; runs started from the Dagster
UI or a schedule get it from this sensor, whatever their outcome.
"""

from dagster import DagsterRunStatus, RunStatusSensorContext, SkipReason, run_status_sensor

from crm_kpi.config import get_settings


def _build(context: RunStatusSensorContext) -> SkipReason:
    from crm_kpi.quality.data_docs import build_index  # GX: imported when a run ends

    index = build_index(get_settings().data_dir)
    context.log.info("Data Docs index after run %s: %s", context.dagster_run.run_id, index)
    return SkipReason(f"Data Docs index built: {index}")


@run_status_sensor(run_status=DagsterRunStatus.SUCCESS, name="data_docs_after_success")
def data_docs_after_success(context: RunStatusSensorContext) -> SkipReason:
    """Build the Data Docs index after a successful run."""
    return _build(context)


@run_status_sensor(run_status=DagsterRunStatus.FAILURE, name="data_docs_after_failure")
def data_docs_after_failure(context: RunStatusSensorContext) -> SkipReason:
    """Build the Data Docs index after a failed run (a failed check is what people open)."""
    return _build(context)


DATA_DOCS_SENSORS = [data_docs_after_success, data_docs_after_failure]
