"""The managers a sales plan may name, read from the warehouse."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import sqlalchemy as sa

from crm_kpi.warehouse import Warehouse, WarehouseUnavailable
from crm_kpi.warehouse.catalog import table_exists

logger = logging.getLogger("crm_kpi.ingestion.inputs")

CORE_MANAGERS = (
    "core",
    "dim_managers",
    "select account_key, manager_id, email from core.dim_managers",
)


def manager_queries() -> list[tuple[str, str, str]]:
    """``(schema, table, SQL giving account_key, manager_id, email)``: the canonical dimension
    when a previous dbt run built it, and the freshly loaded raw users of each registered CRM
    (its plug-in's ``extras["users_sql"]``)."""
    from crm_kpi.sources.registry import registered_crms

    raw = [
        (plugin.raw_schema, "users", plugin.extras["users_sql"])
        for plugin in registered_crms()
        if "users_sql" in plugin.extras
    ]
    return [CORE_MANAGERS, *raw]


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


def managers_from_warehouse(warehouse: Warehouse) -> KnownManagers | None:
    """Every manager the warehouse knows, or None when it knows none (checks are then skipped)."""
    if not warehouse.exists:
        return None
    known = KnownManagers()
    where = warehouse.redacted_url
    try:
        with warehouse.sql(read_only=True) as connection:
            for schema, table, query in manager_queries():
                if table_exists(connection, f"{schema}.{table}"):
                    for account_key, manager_id, email in connection.execute(sa.text(query)):
                        if account_key and manager_id:
                            known.add(str(account_key), str(manager_id), email)
    except (sa.exc.DBAPIError, WarehouseUnavailable) as error:
        logger.warning(
            "cannot read managers from %s (%s): sales-plan managers are not checked", where, error
        )
        return None
    if not known.ids:
        logger.warning("no managers in %s yet: sales-plan managers are not checked", where)
        return None
    return known
