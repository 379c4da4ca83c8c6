"""Transform: the dbt project (``dbt_project/``, shipped inside this package) and the win model."""
