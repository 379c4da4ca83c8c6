"""The ``Warehouse`` resource (skeleton: the PostgreSQL side is being filled in)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dagster import ConfigurableResource

DEFAULT_URL = "duckdb:///warehouse/crm_kpi.duckdb"


class Warehouse(ConfigurableResource):
    """Where the warehouse lives: a DuckDB file or a PostgreSQL database."""

    url: str = DEFAULT_URL

    @property
    def kind(self) -> str:
        """``duckdb`` or ``postgres``."""
        return "postgres" if self.url.startswith(("postgresql://", "postgres://")) else "duckdb"

    @property
    def duckdb_path(self) -> Path:
        """The DuckDB file (absolute; relative URLs are relative to the working directory)."""
        if self.kind != "duckdb":
            raise ValueError(f"the warehouse is {self.kind}, not a DuckDB file")
        return Path(self.url.removeprefix("duckdb:///")).expanduser().resolve()

    @property
    def dbt_target(self) -> str:
        """The ``profiles.yml`` target that builds in this warehouse."""
        return "dev" if self.kind == "duckdb" else "postgres"

    def dlt_destination(self) -> Any:
        """dlt's destination for the raw schemas."""
        import dlt

        if self.kind == "duckdb":
            return dlt.destinations.duckdb(str(self.duckdb_path))
        return dlt.destinations.postgres(self.url)

    @property
    def sqlalchemy_url(self) -> str:
        """The SQLAlchemy URL (Great Expectations' SQL datasource)."""
        if self.kind == "duckdb":
            return f"duckdb:///{self.duckdb_path}"
        return self.url.replace("postgres://", "postgresql://", 1)

    def dbt_env(self) -> dict[str, str]:
        """The environment variables ``profiles.yml`` reads for this warehouse."""
        if self.kind == "duckdb":
            return {"CRM_KPI_WAREHOUSE": str(self.duckdb_path)}
        return {"CRM_KPI_WAREHOUSE_URL": self.url}

    @classmethod
    def from_env(cls) -> "Warehouse":
        """``CRM_KPI_WAREHOUSE_URL``, else the old ``CRM_KPI_WAREHOUSE`` path, else the default."""
        import os

        url = os.environ.get("CRM_KPI_WAREHOUSE_URL")
        if not url:
            path = os.environ.get("CRM_KPI_WAREHOUSE")
            url = f"duckdb:///{Path(path).expanduser().resolve()}" if path else DEFAULT_URL
        return cls(url=url)
