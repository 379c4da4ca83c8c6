"""``python -m crm_kpi.serving.bi_docs [OUTPUT]``: the BI data dictionary from the dbt docs."""

from crm_kpi.serving.dbt_docs import main

if __name__ == "__main__":
    raise SystemExit(main())
