"""Accounts a run withholds from publishing because a blocking mart check failed on their rows.

A blocking check whose failures all sit on some accounts (``SuiteOutcome.failed_accounts``)
records those accounts here, in the warehouse (``quality.withheld_accounts``, per run), and
lets the run go on: the publish leaves them out, and the run ends failed, naming them.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from crm_kpi.warehouse import Warehouse
from crm_kpi.warehouse.catalog import create_if_missing, table_exists

TABLE = "quality.withheld_accounts"
COLUMNS = (
    "run_id varchar not null, table_name varchar not null, account_key varchar not null, "
    "reason varchar, recorded_at timestamp"
)


def withhold(warehouse: Warehouse, run_id: str, table: str, accounts: dict[str, str]) -> None:
    """Record that ``accounts`` (account_key -> reason) failed the check of ``table``."""
    if not accounts:
        return
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with warehouse.sql() as connection:
        create_if_missing(connection, TABLE, COLUMNS)
        connection.execute(
            sa.text(f"insert into {TABLE} values (:run, :table, :account, :reason, :now)"),
            [
                {"run": run_id, "table": table, "account": key, "reason": reason, "now": now}
                for key, reason in sorted(accounts.items())
            ],
        )


def withheld_in_run(warehouse: Warehouse, run_id: str) -> dict[str, str]:
    """``{account_key: "<reason>; ..."}`` withheld by run ``run_id`` (reasons name the table)."""
    if not warehouse.exists:
        return {}
    with warehouse.sql(read_only=True) as connection:
        if not table_exists(connection, TABLE):
            return {}
        rows = connection.execute(
            sa.text(
                f"select account_key, table_name, reason from {TABLE} where run_id = :run"
                " order by account_key, table_name"
            ),
            {"run": run_id},
        ).fetchall()
    found: dict[str, list[str]] = {}
    for account, _table, reason in rows:
        found.setdefault(account, []).append(reason)
    return {account: "; ".join(reasons) for account, reasons in found.items()}
