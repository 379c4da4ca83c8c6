"""Row counts of the last passing check of each table and account, kept in the warehouse.

A mart whose row count jumps or collapses against the previous successful run is more
often a broken join or a half-finished load than a real change in the business.

The history lives in the warehouse it describes (table ``quality.row_count_history``), one
row per table and account: pointing the data directory at another warehouse starts a fresh
history instead of comparing with someone else's counts, and a new account is compared
only with itself. dbt never touches the ``quality`` schema.

Also the newest dlt load of each account the last passing check of a raw table read
(``quality.checked_account_loads``): the next check of that table reads only the rows of newer
loads of the same account (``Suite.reads_new_loads``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import sqlalchemy as sa

from crm_kpi.warehouse import Warehouse
from crm_kpi.warehouse.catalog import create_if_missing, table_exists

SCHEMA = "quality"
TABLE = f"{SCHEMA}.row_count_history"
COLUMNS = (
    "table_name varchar not null, account_key varchar not null, row_count bigint not null, "
    "recorded_at timestamp not null, primary key (table_name, account_key)"
)
# Tables without an account_key column are counted as a whole under this key.
ALL_ACCOUNTS = "*"
# The newest dlt load of each account the last passing check of a table read
# (``Suite.reads_new_loads``; ``account`` is the value of ``Suite.account_column``, or
# ``ALL_ACCOUNTS``).
LOADS_TABLE = f"{SCHEMA}.checked_account_loads"
LOADS_COLUMNS = (
    "table_name varchar not null, account varchar not null, newest_load_id varchar not null, "
    "recorded_at timestamp not null, primary key (table_name, account)"
)
# Its predecessor, one load per table (before loads were compared per account): dropped.
OLD_LOADS_TABLE = f"{SCHEMA}.checked_loads"


class RowCountHistory:
    """The ``quality.row_count_history`` table of one warehouse."""

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse

    def previous(self, table: str, connection: sa.Connection | None = None) -> dict[str, int]:
        """``{account_key: rows}`` of ``table`` at its last passing check (empty: none yet).

        ``connection``: an open connection to this warehouse to read it with (else one is
        opened read-only for the call).
        """
        if connection is not None:
            return _previous(connection, table)
        if not self.warehouse.exists:
            return {}
        with self.warehouse.sql(read_only=True) as opened:
            return _previous(opened, table)

    def checked_loads(self, table: str, connection: sa.Connection) -> dict[str, str]:
        """``{account: newest _dlt_load_id}`` the last passing check of ``table`` read of each
        account (empty: none yet)."""
        if not table_exists(connection, LOADS_TABLE):
            return {}
        found = connection.execute(
            sa.text(f"select account, newest_load_id from {LOADS_TABLE} where table_name = :table"),
            {"table": table},
        ).fetchall()
        return {str(account): str(load) for account, load in found}

    def record_loads(self, newest_by_table: Mapping[str, Mapping[str, str]]) -> None:
        """Remember the newest load of each account each passing check read, in one
        transaction; accounts not given keep theirs."""
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        rows = [
            {"table": table, "account": account, "load": load, "now": now}
            for table, newest in sorted(newest_by_table.items())
            for account, load in sorted(newest.items())
        ]
        if not rows:
            return
        with self.warehouse.sql() as connection:
            create_if_missing(connection, LOADS_TABLE, LOADS_COLUMNS)
            connection.execute(sa.text(f"drop table if exists {OLD_LOADS_TABLE}"))
            connection.execute(
                sa.text(
                    f"delete from {LOADS_TABLE} where table_name = :table and account = :account"
                ),
                rows,
            )
            connection.execute(
                sa.text(f"insert into {LOADS_TABLE} values (:table, :account, :load, :now)"), rows
            )

    def record(self, table: str, counts: dict[str, int]) -> None:
        """Remember ``counts`` (per account) for ``table``; accounts not in ``counts`` stay."""
        self.record_many({table: counts})

    def record_many(self, counts_by_table: Mapping[str, dict[str, int]]) -> None:
        """``record`` for several tables, in one transaction (one connection)."""
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        rows = [
            {"table": table, "account": account, "rows": rows, "now": now}
            for table, counts in sorted(counts_by_table.items())
            for account, rows in sorted(counts.items())
        ]
        if not rows:
            return  # empty tables: nothing to compare with next time
        with self.warehouse.sql() as connection:
            create_if_missing(connection, TABLE, COLUMNS)
            # An upsert both engines understand: delete, then insert, in one transaction.
            connection.execute(
                sa.text(
                    f"delete from {TABLE} where table_name = :table and account_key = :account"
                ),
                rows,
            )
            connection.execute(
                sa.text(f"insert into {TABLE} values (:table, :account, :rows, :now)"), rows
            )


def _previous(connection: sa.Connection, table: str) -> dict[str, int]:
    if not table_exists(connection, TABLE):
        return {}  # no passing check recorded in this warehouse yet
    found = connection.execute(
        sa.text(f"select account_key, row_count from {TABLE} where table_name = :table"),
        {"table": table},
    ).fetchall()
    return {str(account): int(rows) for account, rows in found}


# Small tables move by a few rows for real; never narrow the band below this many rows.
MIN_SLACK_ROWS = 10


def band(previous: int, share: float) -> tuple[int, int]:
    """Accepted row counts around ``previous``: from ``(1 - share)`` to ``1 / (1 - share)`` times.

    With ``share=0.5``: half to double (and at least ``MIN_SLACK_ROWS`` either way). Growth
    of a day or an account fits; a mart losing most of its rows does not.
    """
    low = min(int(previous * (1 - share)), max(previous - MIN_SLACK_ROWS, 0))
    high = max(int(previous / (1 - share)) + 1, previous + MIN_SLACK_ROWS)
    return low, high
