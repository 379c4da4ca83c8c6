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
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

WAREHOUSE_ENV = "CRM_KPI_WAREHOUSE"
DATA_DIR_ENV = "CRM_KPI_DATA_DIR"
TIMEZONE_ENV = "CRM_KPI_SCHEDULE_TIMEZONE"
CRON_ENV = "CRM_KPI_SCHEDULE_CRON"

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
