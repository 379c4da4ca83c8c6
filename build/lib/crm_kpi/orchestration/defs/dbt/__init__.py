"""dbt: every model of the dbt project as an asset, its tests as checks."""
