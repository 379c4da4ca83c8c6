"""The warehouse: one DuckDB file (the default) or a PostgreSQL database, chosen by one URL."""

from crm_kpi.warehouse.resource import (
    DEFAULT_DUCKDB_PATH,
    LEGACY_PATH_ENV,
    URL_ENV,
    Warehouse,
    WarehouseUnavailable,
)

__all__ = ["DEFAULT_DUCKDB_PATH", "LEGACY_PATH_ENV", "URL_ENV", "Warehouse", "WarehouseUnavailable"]
