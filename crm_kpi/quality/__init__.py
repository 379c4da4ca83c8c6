"""Data quality: Great Expectations 1.x suites as code, run in the warehouse.

Each suite's expectations run as SQL through GX's SQL datasource (``quality.sql``: DuckDB via
duckdb-engine, PostgreSQL natively), so no table is read into memory. Mart KPI value rules
come from the dbt manifest's ``meta.kpi`` (``quality.kpi_rules``); structure is dbt's to test.
"""
