"""Jobs (nightly, full refresh), their schedule, retries and per-account run tags.

Concurrency, in two layers:
- one run per CRM account: every job touching a CRM carries the tag
  ``crm_kpi/<crm>_account = <account>``, and ``dagster.yaml`` limits runs to one per unique
  value of each such tag, so two runs never hammer one API;
- one writer per warehouse: DuckDB allows one writing process, so ``dagster.yaml`` also
  runs one run at a time, and every step touching the file sits in the ``warehouse`` pool.

Retries: ingestion steps are retried with exponential backoff (``CRM_KPI_RETRY_MAX``,
``CRM_KPI_RETRY_DELAY_SECONDS``) on top of dlt's own HTTP retries, so a CRM that throttles or
fails for minutes heals without anyone. The dbt build opts out (``RetryPolicy`` on the dbt
assets): its failures are deterministic. Whole failed runs are retried by the daemon
(``run_retries`` in ``dagster.yaml``).
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlparse

from dagster import (
    AssetSelection,
    Backoff,
    DefaultScheduleStatus,
    Jitter,
    RetryPolicy,
    ScheduleDefinition,
    define_asset_job,
)

from crm_kpi.config import get_orchestration_settings, get_settings

NIGHTLY_JOB_NAME = "crm_kpi_nightly"
FULL_REFRESH_JOB_NAME = "crm_kpi_full_refresh"
DBT_OP_NAME = "crm_kpi_dbt"
ACCOUNT_TAG = "crm_kpi/{crm}_account"


def ingestion_retry_policy() -> RetryPolicy:
    """Exponential backoff with jitter: 30 s, 60 s, 120 s by default."""
    settings = get_orchestration_settings()
    return RetryPolicy(
        max_retries=settings.retry_max,
        delay=settings.retry_delay_seconds,
        backoff=Backoff.EXPONENTIAL,
        jitter=Jitter.PLUS_MINUS,
    )


def _bitrix24_account() -> str | None:
    """The portal (``SOURCES__BITRIX24__PORTAL``), else the host of the webhook URL."""
    portal = os.environ.get("SOURCES__BITRIX24__PORTAL")
    url = os.environ.get("SOURCES__BITRIX24__WEBHOOK_URL")
    return portal or (urlparse(url).hostname if url else None)


def account_tags() -> dict[str, str]:
    """One tag per CRM: the account a run talks to (``default`` when not configured)."""
    accounts = {
        "amocrm": os.environ.get("SOURCES__AMOCRM__SUBDOMAIN"),
        "bitrix24": _bitrix24_account(),
    }
    return {ACCOUNT_TAG.format(crm=crm): account or "default" for crm, account in accounts.items()}


def build_nightly_job(name: str = NIGHTLY_JOB_NAME, full_refresh: bool = False) -> Any:
    """The job over every asset, with retries and account tags read from the environment."""
    return define_asset_job(
        name,
        selection=AssetSelection.all(),
        description=(
            "The nightly job with `dbt build --full-refresh`: every table rebuilt from raw."
            if full_refresh
            else "Load every configured CRM, build the warehouse, validate the marts, publish."
        ),
        tags=account_tags(),
        op_retry_policy=ingestion_retry_policy(),
        config={"ops": {DBT_OP_NAME: {"config": {"full_refresh": True}}}} if full_refresh else None,
    )


nightly_job = build_nightly_job()
full_refresh_job = build_nightly_job(FULL_REFRESH_JOB_NAME, full_refresh=True)


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
