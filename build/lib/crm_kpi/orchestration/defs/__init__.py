"""Dagster definitions by integration: dlt, dbt, quality, serving, forecasting."""
