"""The deal win-probability model, scored after dbt."""
