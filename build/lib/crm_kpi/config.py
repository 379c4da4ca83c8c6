"""Runtime settings of crm-kpi, in one place.

Every path has a working default, so the demo needs no configuration. Paths are made
absolute because dbt runs with its own working directory (``dbt_project/``) and must open
the very same DuckDB file as dlt.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = Path(__file__).resolve().parent / "transform" / "dbt_project"

WAREHOUSE_ENV = "CRM_KPI_WAREHOUSE"
DATA_DIR_ENV = "CRM_KPI_DATA_DIR"
TIMEZONE_ENV = "CRM_KPI_SCHEDULE_TIMEZONE"
CRON_ENV = "CRM_KPI_SCHEDULE_CRON"
SALES_PLAN_ENV = "CRM_KPI_SALES_PLAN"
MARKETING_SPEND_ENV = "CRM_KPI_MARKETING_SPEND"

RAW_SCHEMAS = {"amocrm": "raw_amocrm", "bitrix24": "raw_bitrix24", "inputs": "raw_inputs"}


@dataclass(frozen=True)
class Settings:
    """Resolved settings for one process."""

    warehouse_path: Path
    data_dir: Path
    schedule_cron: str
    schedule_timezone: str

    @property
    def dlt_pipelines_dir(self) -> Path:
        """dlt's local working folder (state is restored from the warehouse anyway)."""
        return self.data_dir / "dlt"

    @property
    def sales_plan_path(self) -> Path:
        """The sales-plan CSV (catalogue section 5): $CRM_KPI_SALES_PLAN or <data_dir>/inputs/."""
        default = self.data_dir / "inputs" / "sales_plan.csv"
        return _absolute(os.environ.get(SALES_PLAN_ENV, str(default)))

    @property
    def marketing_spend_path(self) -> Path:
        """The marketing-spend CSV: $CRM_KPI_MARKETING_SPEND or <data_dir>/inputs/."""
        default = self.data_dir / "inputs" / "marketing_spend.csv"
        return _absolute(os.environ.get(MARKETING_SPEND_ENV, str(default)))


def _absolute(path: str) -> Path:
    candidate = Path(path).expanduser()
    if not candidate.is_absolute():
        candidate = PROJECT_ROOT / candidate
    return candidate.resolve()


def get_settings() -> Settings:
    """Read settings from the environment, filling in defaults."""
    data_dir = _absolute(os.environ.get(DATA_DIR_ENV, "data"))
    warehouse = _absolute(os.environ.get(WAREHOUSE_ENV, "warehouse/crm_kpi.duckdb"))
    return Settings(
        warehouse_path=warehouse,
        data_dir=data_dir,
        schedule_cron=os.environ.get(CRON_ENV, "0 2 * * *"),
        schedule_timezone=os.environ.get(TIMEZONE_ENV, "Europe/Moscow"),
    )


def export_warehouse_env(settings: Settings | None = None) -> Settings:
    """Make the absolute warehouse path visible to dbt (profiles.yml reads it) and return it."""
    settings = settings or get_settings()
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    os.environ[WAREHOUSE_ENV] = str(settings.warehouse_path)
    return settings


# --- serving: published snapshot, PostgreSQL, HTML report, email digest -------------------------

SERVING_DIR_ENV = "CRM_KPI_SERVING_DIR"
PG_DSN_ENV = "CRM_KPI_PG_DSN"
PG_SCHEMA_ENV = "CRM_KPI_PG_SCHEMA"
PG_BI_ROLE_ENV = "CRM_KPI_PG_BI_ROLE"
PG_BI_PASSWORD_ENV = "CRM_KPI_PG_BI_PASSWORD"
REPORT_LANGUAGE_ENV = "CRM_KPI_REPORT_LANGUAGE"
DIGEST_RECIPIENTS_ENV = "CRM_KPI_DIGEST_RECIPIENTS"
SMTP_HOST_ENV = "CRM_KPI_SMTP_HOST"
SMTP_PORT_ENV = "CRM_KPI_SMTP_PORT"
SMTP_USER_ENV = "CRM_KPI_SMTP_USER"
SMTP_PASSWORD_ENV = "CRM_KPI_SMTP_PASSWORD"
SMTP_STARTTLS_ENV = "CRM_KPI_SMTP_STARTTLS"
SMTP_SENDER_ENV = "CRM_KPI_SMTP_SENDER"


@dataclass(frozen=True)
class ServingSettings:
    """Where and how the marts are published; PostgreSQL and email are off unless configured."""

    serving_dir: Path
    pg_dsn: str | None
    pg_schema: str
    pg_bi_role: str
    pg_bi_password: str | None
    report_language: str
    digest_recipients: tuple[str, ...]
    smtp_host: str | None
    smtp_port: int
    smtp_user: str | None
    smtp_password: str | None
    smtp_starttls: bool
    smtp_sender: str

    @property
    def digest_enabled(self) -> bool:
        """The digest is mailed only when both recipients and an SMTP host are set."""
        return bool(self.digest_recipients and self.smtp_host)


def get_serving_settings() -> ServingSettings:
    """Read the serving settings from the environment, filling in defaults."""
    data_dir = _absolute(os.environ.get(DATA_DIR_ENV, "data"))
    recipients = os.environ.get(DIGEST_RECIPIENTS_ENV, "")
    return ServingSettings(
        serving_dir=_absolute(os.environ.get(SERVING_DIR_ENV, str(data_dir / "serving"))),
        pg_dsn=os.environ.get(PG_DSN_ENV) or None,
        pg_schema=os.environ.get(PG_SCHEMA_ENV, "crm_kpi"),
        pg_bi_role=os.environ.get(PG_BI_ROLE_ENV, "crm_kpi_bi"),
        pg_bi_password=os.environ.get(PG_BI_PASSWORD_ENV) or None,
        report_language=os.environ.get(REPORT_LANGUAGE_ENV, "ru"),
        digest_recipients=tuple(r.strip() for r in recipients.split(",") if r.strip()),
        smtp_host=os.environ.get(SMTP_HOST_ENV) or None,
        smtp_port=int(os.environ.get(SMTP_PORT_ENV, "587")),
        smtp_user=os.environ.get(SMTP_USER_ENV) or None,
        smtp_password=os.environ.get(SMTP_PASSWORD_ENV) or None,
        smtp_starttls=os.environ.get(SMTP_STARTTLS_ENV, "true").lower() in ("1", "true", "yes"),
        smtp_sender=os.environ.get(SMTP_SENDER_ENV, "crm-kpi@localhost"),
    )


# Orchestration: run-failure alerts, retries of ingestion, freshness (crm_kpi/orchestration/).
ALERT_EMAILS_ENV = "CRM_KPI_ALERT_EMAILS"
ALERT_WEBHOOK_ENV = "CRM_KPI_ALERT_WEBHOOK_URL"
RETRY_MAX_ENV = "CRM_KPI_RETRY_MAX"
RETRY_DELAY_ENV = "CRM_KPI_RETRY_DELAY_SECONDS"
FRESHNESS_HOURS_ENV = "CRM_KPI_FRESHNESS_HOURS"


@dataclass(frozen=True)
class OrchestrationSettings:
    """Alerts (SMTP settings shared with serving), step retries and freshness windows."""

    alert_emails: tuple[str, ...]
    alert_webhook_url: str | None
    retry_max: int
    retry_delay_seconds: float
    freshness_hours: float


def get_orchestration_settings() -> OrchestrationSettings:
    """Read the orchestration settings from the environment, filling in defaults."""
    emails = os.environ.get(ALERT_EMAILS_ENV, "")
    return OrchestrationSettings(
        alert_emails=tuple(e.strip() for e in emails.split(",") if e.strip()),
        alert_webhook_url=os.environ.get(ALERT_WEBHOOK_ENV) or None,
        retry_max=int(os.environ.get(RETRY_MAX_ENV, "3")),
        retry_delay_seconds=float(os.environ.get(RETRY_DELAY_ENV, "30")),
        freshness_hours=float(os.environ.get(FRESHNESS_HOURS_ENV, "26")),
    )
