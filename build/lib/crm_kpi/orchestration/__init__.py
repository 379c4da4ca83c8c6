"""Dagster definitions of crm-kpi: dlt and dbt assets, GX checks, jobs and schedules."""
