"""The warehouse: which database crm-kpi builds in, chosen by one setting.

``CRM_KPI_WAREHOUSE_URL``: ``duckdb:///path/to/file.duckdb`` (the embedded default) or
``postgresql://user:password@host:5432/database`` (the server option). Everything that opens
the warehouse — dlt's destination, dbt's target, the quality checks, publishing — asks this
object, so switching the warehouse is this one setting.
"""

from __future__ import annotations

from crm_kpi.warehouse.settings import Warehouse

__all__ = ["Warehouse"]
