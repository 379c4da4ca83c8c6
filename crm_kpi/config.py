"""Runtime settings of crm-kpi as Dagster resources, in one place.

``Settings``, ``ServingSettings`` and ``OrchestrationSettings`` are ``ConfigurableResource``s:
the Dagster definitions build them with ``from_env()`` (each field set from its environment
variable through ``EnvVar`` when the variable is set, so the UI shows where a value comes from)
and inject them into the assets, checks and sensors. This module is the only place that reads
the ``CRM_KPI_*`` variables; everything downstream takes plain arguments or a resource.

Every path has a working default, so the demo needs no configuration. Relative paths are
relative to the project root, as before. The warehouse itself is the ``Warehouse`` resource
(``crm_kpi.warehouse``).

``get_settings()`` / ``get_serving_settings()`` / ``get_orchestration_settings()`` remain for
code outside the Dagster definitions (the CLI, the demo); they read the same environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dagster import ConfigurableResource, EnvVar

from crm_kpi.warehouse import Warehouse

# The checkout's root (tests and dev tools only): an installed package has none.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = Path(__file__).resolve().parent / "transform" / "dbt_project"

WAREHOUSE_ENV = "CRM_KPI_WAREHOUSE"
DATA_DIR_ENV = "CRM_KPI_DATA_DIR"
TIMEZONE_ENV = "CRM_KPI_SCHEDULE_TIMEZONE"
CRON_ENV = "CRM_KPI_SCHEDULE_CRON"
SALES_PLAN_ENV = "CRM_KPI_SALES_PLAN"
MARKETING_SPEND_ENV = "CRM_KPI_MARKETING_SPEND"

# Where dbt writes its manifest and artefacts (default dbt_project/target); a separate one
# lets a second checkout or a test run parse and build without touching the shared folder.
DBT_TARGET_ENV = "CRM_KPI_DBT_TARGET_PATH"


def dbt_target_path() -> str:
    """dbt's target folder, relative to the dbt project (read when the definitions load)."""
    return os.environ.get(DBT_TARGET_ENV) or "target"


def in_dagster_dev() -> bool:
    """Running under ``dagster dev`` (it sets ``DAGSTER_IS_DEV_CLI``): re-parse dbt on load."""
    return bool(os.environ.get("DAGSTER_IS_DEV_CLI"))


def dagster_home() -> str | None:
    """``DAGSTER_HOME``: a persistent Dagster instance for in-process runs, when set."""
    return os.environ.get("DAGSTER_HOME") or None


# The hand-kept inputs; each CRM's raw schema comes from its plug-in (crm_kpi.sources.registry).
INPUTS_SCHEMA = "raw_inputs"


def raw_schemas() -> dict[str, str]:
    """``{crm: raw schema}`` of every registered CRM, plus ``inputs``."""
    from crm_kpi.sources.registry import registered_crms

    return {**{p.name: p.raw_schema for p in registered_crms()}, "inputs": INPUTS_SCHEMA}


def __getattr__(name: str) -> Any:
    # Back-compat: ``RAW_SCHEMAS`` is now derived from the registry, on first use.
    if name == "RAW_SCHEMAS":
        return raw_schemas()
    raise AttributeError(name)


def _absolute(path: str) -> Path:
    """Relative paths are relative to the working directory (where `crm-kpi` is run)."""
    candidate = Path(path).expanduser()
    if not candidate.is_absolute():
        candidate = Path.cwd() / candidate
    return candidate.resolve()


def _from_env(fields: dict[str, tuple[str, Any]], env_vars: bool) -> dict[str, Any]:
    """``{field: EnvVar(name)}`` for the variables that are set, the defaults otherwise.

    ``env_vars=False``: the values themselves, for use outside a Dagster run (definition time,
    the CLI), where an ``EnvVar`` is not resolved.
    """
    values: dict[str, Any] = {}
    for field, (name, default) in fields.items():
        if not os.environ.get(name):
            values[field] = default
        elif not env_vars:
            raw = os.environ[name]
            kind = type(default)
            values[field] = raw.lower() in ("1", "true", "yes") if kind is bool else kind(raw)
        elif isinstance(default, int) and not isinstance(default, bool):
            values[field] = EnvVar.int(name)
        elif isinstance(default, (bool, float)):
            # EnvVar has no bool/float flavour: the value is parsed here, once.
            raw = os.environ[name]
            values[field] = (
                raw.lower() in ("1", "true", "yes") if isinstance(default, bool) else (float(raw))
            )
        else:
            values[field] = EnvVar(name)
    return values


class Settings(ConfigurableResource):
    """Where crm-kpi keeps its files, and when the nightly job runs."""

    data_dir: str = "data"
    schedule_cron: str = "0 2 * * *"
    schedule_timezone: str = "Europe/Moscow"
    sales_plan: str = ""
    """The sales-plan CSV (catalogue section 5); empty: ``<data_dir>/inputs/sales_plan.csv``."""
    marketing_spend: str = ""
    """The marketing-spend CSV; empty: ``<data_dir>/inputs/marketing_spend.csv``."""

    @classmethod
    def from_env(cls, env_vars: bool = True) -> Settings:
        """The settings from ``CRM_KPI_DATA_DIR``, ``CRM_KPI_SCHEDULE_*``, ... (defaults else)."""
        return cls(
            **_from_env(
                {
                    "data_dir": (DATA_DIR_ENV, "data"),
                    "schedule_cron": (CRON_ENV, "0 2 * * *"),
                    "schedule_timezone": (TIMEZONE_ENV, "Europe/Moscow"),
                    "sales_plan": (SALES_PLAN_ENV, ""),
                    "marketing_spend": (MARKETING_SPEND_ENV, ""),
                },
                env_vars,
            )
        )

    @property
    def data_path(self) -> Path:
        """The data folder, absolute."""
        return _absolute(self.data_dir)

    @property
    def dlt_pipelines_dir(self) -> Path:
        """dlt's local working folder (state is restored from the destination anyway)."""
        return self.data_path / "dlt"

    @property
    def accounts_dir(self) -> Path:
        """Where each account's own staging DuckDB file lives (see docs/accounts.md)."""
        return self.data_path / "accounts"

    @property
    def sales_plan_path(self) -> Path:
        """The sales-plan CSV."""
        return _absolute(self.sales_plan or str(self.data_path / "inputs" / "sales_plan.csv"))

    @property
    def marketing_spend_path(self) -> Path:
        """The marketing-spend CSV."""
        default = str(self.data_path / "inputs" / "marketing_spend.csv")
        return _absolute(self.marketing_spend or default)

    def resolved(self, warehouse: Warehouse) -> ResolvedSettings:
        """The plain-path view older callers take (sources, demo)."""
        return ResolvedSettings(
            warehouse_path=warehouse.duckdb_path if warehouse.kind == "duckdb" else None,
            data_dir=self.data_path,
            schedule_cron=self.schedule_cron,
            schedule_timezone=self.schedule_timezone,
            sales_plan_path=self.sales_plan_path,
            marketing_spend_path=self.marketing_spend_path,
        )


@dataclass(frozen=True)
class ResolvedSettings:
    """Absolute paths for code that takes plain arguments (``crm_kpi.sources``, the demo)."""

    warehouse_path: Path | None  # the DuckDB file; None with the warehouse on PostgreSQL
    data_dir: Path
    schedule_cron: str
    schedule_timezone: str
    sales_plan_path: Path
    marketing_spend_path: Path

    @property
    def dlt_pipelines_dir(self) -> Path:
        """dlt's local working folder."""
        return self.data_dir / "dlt"


def warehouse_from_env() -> Warehouse:
    """The warehouse of this process (``CRM_KPI_WAREHOUSE_URL``, see ``Warehouse.from_env``)."""
    return Warehouse.from_env()


def get_settings() -> ResolvedSettings:
    """Settings for code outside the Dagster definitions (CLI, demo), from the environment."""
    return Settings.from_env(env_vars=False).resolved(warehouse_from_env())


def export_warehouse_env(settings: ResolvedSettings | None = None) -> ResolvedSettings:
    """Deprecated alias of ``get_settings()`` that also creates the warehouse folder.

    It no longer writes ``os.environ``: the dbt resource passes ``Warehouse.dbt_env()`` itself.
    """
    settings = settings or get_settings()
    if settings.warehouse_path is not None:
        settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
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


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


class ServingSettings(ConfigurableResource):
    """Where and how the marts are published; PostgreSQL and email are off unless configured."""

    serving_dir: str = ""
    """Empty: ``<data_dir>/serving``."""
    pg_dsn: str = ""
    pg_schema: str = "crm_kpi"
    pg_bi_role: str = "crm_kpi_bi"
    pg_bi_password: str = ""
    report_language: str = "ru"
    digest_recipients: str = ""
    """Comma-separated e-mail addresses."""
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    smtp_sender: str = "crm-kpi@localhost"

    @classmethod
    def from_env(cls, env_vars: bool = True) -> ServingSettings:
        """The serving settings from ``CRM_KPI_SERVING_DIR``, ``CRM_KPI_PG_*``, ``..._SMTP_*``."""
        data_dir = _absolute(os.environ.get(DATA_DIR_ENV) or "data")
        return cls(
            **_from_env(
                {
                    "serving_dir": (SERVING_DIR_ENV, str(data_dir / "serving")),
                    "pg_dsn": (PG_DSN_ENV, ""),
                    "pg_schema": (PG_SCHEMA_ENV, "crm_kpi"),
                    "pg_bi_role": (PG_BI_ROLE_ENV, "crm_kpi_bi"),
                    "pg_bi_password": (PG_BI_PASSWORD_ENV, ""),
                    "report_language": (REPORT_LANGUAGE_ENV, "ru"),
                    "digest_recipients": (DIGEST_RECIPIENTS_ENV, ""),
                    "smtp_host": (SMTP_HOST_ENV, ""),
                    "smtp_port": (SMTP_PORT_ENV, 587),
                    "smtp_user": (SMTP_USER_ENV, ""),
                    "smtp_password": (SMTP_PASSWORD_ENV, ""),
                    "smtp_starttls": (SMTP_STARTTLS_ENV, True),
                    "smtp_sender": (SMTP_SENDER_ENV, "crm-kpi@localhost"),
                },
                env_vars,
            )
        )

    @property
    def serving_path(self) -> Path:
        """The serving folder, absolute."""
        return _absolute(self.serving_dir or "data/serving")

    @property
    def recipients(self) -> tuple[str, ...]:
        """The digest's recipients."""
        return _split(self.digest_recipients)

    @property
    def digest_enabled(self) -> bool:
        """The digest is mailed only when both recipients and an SMTP host are set."""
        return bool(self.recipients and self.smtp_host)


def get_serving_settings() -> ServingSettings:
    """The serving settings for code outside the Dagster definitions (the demo)."""
    return ServingSettings.from_env(env_vars=False)


# Orchestration: run-failure alerts, retries of ingestion, freshness (crm_kpi/orchestration/).
ALERT_EMAILS_ENV = "CRM_KPI_ALERT_EMAILS"
ALERT_WEBHOOK_ENV = "CRM_KPI_ALERT_WEBHOOK_URL"
RETRY_MAX_ENV = "CRM_KPI_RETRY_MAX"
RETRY_DELAY_ENV = "CRM_KPI_RETRY_DELAY_SECONDS"
FRESHNESS_HOURS_ENV = "CRM_KPI_FRESHNESS_HOURS"


class OrchestrationSettings(ConfigurableResource):
    """Alerts (SMTP settings shared with serving), step retries and freshness windows."""

    alert_emails: str = ""
    """Comma-separated e-mail addresses."""
    alert_webhook_url: str = ""
    retry_max: int = 3
    retry_delay_seconds: float = 30.0
    freshness_hours: float = 26.0

    @classmethod
    def from_env(cls, env_vars: bool = True) -> OrchestrationSettings:
        """The orchestration settings from ``CRM_KPI_ALERT_*``, ``..._RETRY_*``, ...."""
        return cls(
            **_from_env(
                {
                    "alert_emails": (ALERT_EMAILS_ENV, ""),
                    "alert_webhook_url": (ALERT_WEBHOOK_ENV, ""),
                    "retry_max": (RETRY_MAX_ENV, 3),
                    "retry_delay_seconds": (RETRY_DELAY_ENV, 30.0),
                    "freshness_hours": (FRESHNESS_HOURS_ENV, 26.0),
                },
                env_vars,
            )
        )

    @property
    def alert_recipients(self) -> tuple[str, ...]:
        """Who gets the run-failure e-mail."""
        return _split(self.alert_emails)


def get_orchestration_settings() -> OrchestrationSettings:
    """The orchestration settings for code outside the Dagster definitions."""
    return OrchestrationSettings.from_env(env_vars=False)
