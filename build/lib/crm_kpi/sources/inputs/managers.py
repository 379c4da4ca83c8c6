"""The managers a sales plan may name, read from the warehouse."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

logger = logging.getLogger("crm_kpi.ingestion.inputs")

# (schema, table, SQL giving account_key, manager_id, email); the canonical dimension when a
# previous dbt run built it, and the freshly loaded raw users of each CRM.
MANAGER_QUERIES = (
    ("core", "dim_managers", "select account_key, manager_id, email from core.dim_managers"),
    (
        "raw_amocrm",
        "users",
        "select 'amocrm:' || cast(account_id as varchar), cast(id as varchar), email"
        " from raw_amocrm.users",
    ),
    (
        "raw_bitrix24",
        "users",
        "select 'bitrix24:' || portal, cast(id as varchar), email from raw_bitrix24.users",
    ),
)


@dataclass
class KnownManagers:
    """Manager ids and e-mails per account (account_key -> ...)."""

    ids: dict[str, set[str]] = field(default_factory=dict)
    emails: dict[str, dict[str, str]] = field(default_factory=dict)

    def add(self, account_key: str, manager_id: str, email: str | None) -> None:
        """Register one manager."""
        self.ids.setdefault(account_key, set()).add(manager_id)
        if email:
            self.emails.setdefault(account_key, {})[email.lower()] = manager_id

    def resolve(self, account_key: str, manager_id: str | None, email: str | None) -> str:
        """The manager id a plan row names; ValueError naming what is unknown."""
        if account_key not in self.ids:
            raise ValueError(f"unknown account {account_key!r} (no managers loaded for it)")
        if manager_id is not None:
            if manager_id not in self.ids[account_key]:
                raise ValueError(f"unknown manager_id {manager_id!r} in {account_key}")
            return manager_id
        found = self.emails.get(account_key, {}).get((email or "").lower())
        if found is None:
            raise ValueError(f"unknown manager_email {email!r} in {account_key}")
        return found


def _table_exists(connection: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        connection.execute(
            "select count(*) from information_schema.tables"
            " where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def managers_from_warehouse(warehouse: Path) -> KnownManagers | None:
    """Every manager the warehouse knows, or None when it knows none (checks are then skipped)."""
    if not warehouse.exists():
        return None
    known = KnownManagers()
    try:
        with duckdb.connect(str(warehouse), read_only=True) as connection:
            for schema, table, query in MANAGER_QUERIES:
                if _table_exists(connection, schema, table):
                    for account_key, manager_id, email in connection.execute(query).fetchall():
                        if account_key and manager_id:
                            known.add(account_key, manager_id, email)
    except duckdb.Error as error:
        logger.warning(
            "cannot read managers from %s (%s): sales-plan managers are not checked",
            warehouse,
            error,
        )
        return None
    if not known.ids:
        logger.warning("no managers in %s yet: sales-plan managers are not checked", warehouse)
        return None
    return known
