"""Sensors: a failed run (a failed step, or a blocking check that failed) notifies people."""

from __future__ import annotations

from dagster import (
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    DefaultSensorStatus,
    RunFailureSensorContext,
    SensorDefinition,
    run_failure_sensor,
)

from crm_kpi.orchestration.notifications import Alert, notify

FAILURE_SENSOR_NAME = "crm_kpi_run_failure_alert"
# The serving asset that publishes the marts (crm_kpi/orchestration/defs/serving/serving_assets.py).
SNAPSHOT_KEY = AssetKey(["serving", "published_snapshot"])


def failed_checks(instance: DagsterInstance, run_id: str) -> list[str]:
    """The asset checks of a run that did not pass, with their failed-row counts."""
    records = instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
    lines = []
    for record in records:
        evaluation = record.get_dagster_event().event_specific_data
        if evaluation is None or evaluation.passed:
            continue
        rows = evaluation.metadata.get("failed_rows")
        count = f": {rows.value} failed rows" if rows is not None else ""
        lines.append(
            f"check {evaluation.check_name} on {evaluation.asset_key.to_user_string()} "
            f"failed ({evaluation.severity.value}){count}"
        )
    return lines


def published(instance: DagsterInstance, run_id: str) -> bool:
    """Did the run publish the marts (materialize the serving snapshot)?"""
    records = instance.all_logs(run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)
    return any(record.get_dagster_event().asset_key == SNAPSHOT_KEY for record in records)


def alert_for(context: RunFailureSensorContext) -> Alert:
    """The alert of a failed run: failed steps, failed checks, and what did not run."""
    run = context.dagster_run
    lines = [
        f"step {event.step_key} failed: {event.message}"
        for event in context.get_step_failure_events()
    ]
    lines += failed_checks(context.instance, run.run_id)
    lines.append(
        "The marts were published before the failure."
        if published(context.instance, run.run_id)
        else "The marts were not published: BI keeps the last published snapshot."
    )
    return Alert(
        subject=f"crm-kpi: run {run.run_id[:8]} of {run.job_name} failed",
        lines=lines,
        run_id=run.run_id,
        job_name=run.job_name,
    )


@run_failure_sensor(
    name=FAILURE_SENSOR_NAME,
    default_status=DefaultSensorStatus.RUNNING,
    monitor_all_code_locations=False,
    description="Emails (CRM_KPI_ALERT_EMAILS over CRM_KPI_SMTP_*) and/or posts to "
    "CRM_KPI_ALERT_WEBHOOK_URL when a run fails, including a blocking mart check.",
)
def run_failure_alert(context: RunFailureSensorContext) -> None:
    """Send the alert of the failed run through every configured channel."""
    alert = alert_for(context)
    sent = notify(alert)
    context.log.info(f"alert for run {context.dagster_run.run_id}: sent by {sent or 'nothing'}")


def build_sensors() -> list[SensorDefinition]:
    """Every sensor of the project."""
    return [run_failure_alert]
