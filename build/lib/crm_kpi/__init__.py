"""crm-kpi: sales KPI marts from amoCRM and Bitrix24, built with dlt, dbt, GX and Dagster."""
