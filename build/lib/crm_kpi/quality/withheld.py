"""Accounts a run withholds from publishing because a blocking mart check failed on their rows.

A blocking check whose failures all sit on some accounts (``SuiteOutcome.failed_accounts``)
records those accounts here, in the warehouse (``quality.withheld_accounts``, per run), and
lets the run go on: the publish leaves them out, and the run ends failed, naming them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

TABLE = "quality.withheld_accounts"


def withhold(warehouse: Path, run_id: str, table: str, accounts: dict[str, str]) -> None:
    """Record that ``accounts`` (account_key -> reason) failed the check of ``table``."""
    if not accounts:
        return
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create schema if not exists quality")
        connection.execute(
            f"create table if not exists {TABLE} (run_id varchar not null, table_name varchar "
            "not null, account_key varchar not null, reason varchar, recorded_at timestamp)"
        )
        connection.executemany(
            f"insert into {TABLE} values (?, ?, ?, ?, ?)",
            [(run_id, table, key, reason, now) for key, reason in sorted(accounts.items())],
        )


def withheld_in_run(warehouse: Path, run_id: str) -> dict[str, str]:
    """``{account_key: "<reason>; ..."}`` withheld by run ``run_id`` (reasons name the table)."""
    if not warehouse.exists():
        return {}
    try:
        with duckdb.connect(str(warehouse), read_only=True) as connection:
            rows = connection.execute(
                f"select account_key, table_name, reason from {TABLE} where run_id = ?"
                " order by account_key, table_name",
                [run_id],
            ).fetchall()
    except duckdb.CatalogException:
        return {}
    found: dict[str, list[str]] = {}
    for account, _table, reason in rows:
        found.setdefault(account, []).append(reason)
    return {account: "; ".join(reasons) for account, reasons in found.items()}
