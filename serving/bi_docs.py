"""``python -m serving.bi_docs [OUTPUT]``: regenerate the BI data dictionary from the dbt docs."""

from serving.dbt_docs import main

if __name__ == "__main__":
    raise SystemExit(main())
