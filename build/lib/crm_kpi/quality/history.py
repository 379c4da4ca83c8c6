"""Row counts of the last passing check of each table and account, kept in the warehouse.

A mart whose row count jumps or collapses against the previous successful run is more
often a broken join or a half-finished load than a real change in the business.

The history lives in the warehouse it describes (table ``quality.row_count_history``), one
row per table and account: pointing the data directory at another warehouse starts a fresh
history instead of comparing with someone else's counts, and a new account is compared
only with itself. dbt never touches the ``quality`` schema.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

SCHEMA = "quality"
TABLE = f"{SCHEMA}.row_count_history"
# Tables without an account_key column are counted as a whole under this key.
ALL_ACCOUNTS = "*"


class RowCountHistory:
    """The ``quality.row_count_history`` table of one warehouse."""

    def __init__(self, warehouse: Path) -> None:
        self.warehouse = warehouse

    def previous(self, table: str) -> dict[str, int]:
        """``{account_key: rows}`` of ``table`` at its last passing check (empty: none yet)."""
        if not self.warehouse.exists():
            return {}
        try:
            with duckdb.connect(str(self.warehouse), read_only=True) as connection:
                found = connection.execute(
                    f"select account_key, row_count from {TABLE} where table_name = ?", [table]
                ).fetchall()
        except duckdb.CatalogException:
            return {}  # no passing check recorded in this warehouse yet
        return {str(account): int(rows) for account, rows in found}

    def record(self, table: str, counts: dict[str, int]) -> None:
        """Remember ``counts`` (per account) for ``table``; accounts not in ``counts`` stay."""
        if not counts:
            return  # an empty table: nothing to compare with next time
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        with duckdb.connect(str(self.warehouse)) as connection:
            connection.execute(f"create schema if not exists {SCHEMA}")
            connection.execute(
                f"create table if not exists {TABLE} (table_name varchar not null, "
                "account_key varchar not null, row_count bigint not null, "
                "recorded_at timestamp not null, primary key (table_name, account_key))"
            )
            connection.executemany(
                f"insert or replace into {TABLE} values (?, ?, ?, ?)",
                [(table, account, rows, now) for account, rows in sorted(counts.items())],
            )


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
