"""The nightly job over the whole asset graph, and its schedule."""

from __future__ import annotations

from dagster import AssetSelection, DefaultScheduleStatus, ScheduleDefinition, define_asset_job

from crm_kpi.config import get_settings

NIGHTLY_JOB_NAME = "crm_kpi_nightly"

nightly_job = define_asset_job(
    NIGHTLY_JOB_NAME,
    selection=AssetSelection.all(),
    description="Load every configured CRM, build the warehouse, validate the marts.",
)


def nightly_schedule() -> ScheduleDefinition:
    """Runs the nightly job at 02:00 (cron and time zone from CRM_KPI_SCHEDULE_*)."""
    settings = get_settings()
    return ScheduleDefinition(
        name="crm_kpi_nightly_schedule",
        job=nightly_job,
        cron_schedule=settings.schedule_cron,
        execution_timezone=settings.schedule_timezone,
        default_status=DefaultScheduleStatus.RUNNING,
    )
