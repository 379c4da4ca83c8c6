"""Make a warehouse of a given size from a seed warehouse's raw schemas, as dlt loaded them.

Two shapes (issue: "one account of 1M deals / 10M activities" and "200 accounts of 5k deals"):

- ``accounts``: every raw row of the seed copied ``copies`` times, each copy a new tenant
  (amoCRM ``account_id`` + k, Bitrix24 portal ``c<k>-<portal>``). Nothing else changes, so every
  copy is exactly what the source loaded for the seed account.
- ``one-account``: the entity tables of one CRM copied ``copies`` times inside the seed account,
  entity ids shifted by ``k * ID_STRIDE`` (text ids too) and users spread over
  ``user_groups`` copies of the seed's users; activity rows (notes, events, tasks, calls, ...)
  kept with probability ``activity_share`` per copy, to reach a target activities-per-deal ratio,
  except a deal's own history (``HISTORY_ROWS``: stage and responsible changes, deletions),
  which every copy keeps whole.
  Dictionaries (pipelines, stages, custom fields, ...) are shared. Ids inside JSON payloads
  (``_embedded`` links, event values) are not shifted: they point at the first copy's entities,
  which keeps every link valid.

    python -m benchmarks.scale SEED TARGET '{"kind": "one-account", "copies": 370, ...}'

dlt's own tables (``_dlt_loads``, ``_dlt_pipeline_state``, ``_dlt_version``) are copied as they
are, so the data horizon and the incremental cursors are the seed's.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

ID_STRIDE = 1_000_000_000
USER_STRIDE = 1_000_000
RAW_SCHEMAS = ("raw_amocrm", "raw_bitrix24", "raw_inputs")
TENANT_COLUMNS = {"raw_amocrm": "account_id", "raw_bitrix24": "portal"}
# Deals: amoCRM leads, Bitrix24 deals (Bitrix24 leads are a pre-deal entity).
DEAL_TABLES = {"raw_amocrm": "leads", "raw_bitrix24": "deals"}
# Tables of one account's business: copied in the one-account shape (the rest is shared).
ENTITY_TABLES = {
    "leads",
    "deals",
    "contacts",
    "companies",
    "lead_custom_field_values",
    "contact_custom_field_values",
    "company_custom_field_values",
    "deleted_entities",
    "deletions",
    "leads_unsorted",
}
USERS_TABLES = {"users"}
# Activity-looking rows that are a deal's own history (stages, responsible users, deletion):
# copied with every copy of the deal, never sampled, or a closed deal whose copy kept only an
# early stage change would look open at every later month end.
HISTORY_ROWS = {
    ("raw_amocrm", "events"): (
        "\"type\" in ('lead_added', 'lead_status_changed', 'entity_responsible_changed', "
        "'lead_deleted', 'lead_restored')"
    ),
    ("raw_bitrix24", "deal_stage_history"): "true",
    ("raw_bitrix24", "lead_stage_history"): "true",
}
ENTITY_ID_COLUMNS = {
    "id", "entity_id", "owner_id", "contact_id", "company_id", "lead_id", "deal_id",
    "crm_entity_id", "crm_activity_id", "element_id", "activity_id", "task_id", "call_id",
}  # fmt: skip
USER_ID_COLUMNS = {
    "responsible_user_id", "created_by", "updated_by", "assigned_by_id", "created_by_id",
    "modify_by_id", "responsible_id", "author_id", "portal_user_id", "changed_by",
    "completed_by", "editor_id",
}  # fmt: skip


@dataclass(frozen=True)
class Shape:
    """How to grow the seed."""

    kind: str  # "accounts" or "one-account"
    copies: int
    crm_schema: str = "raw_amocrm"  # the CRM grown in the one-account shape
    user_groups: int = 25
    activity_share: float = 1.0
    # Deals' history rows copied whole (HISTORY_ROWS); warehouses grown before were not.
    history_whole: bool = True


def _columns(
    connection: duckdb.DuckDBPyConnection, schema: str, table: str
) -> list[tuple[str, str]]:
    query = (
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = 'seed' and table_schema = ? and table_name = ? "
        "order by ordinal_position"
    )
    return connection.execute(query, [schema, table]).fetchall()


def _shift(column: str, data_type: str, offset: str) -> str:
    """``column`` plus ``offset`` (numbers), or the text of that sum; other text gets a suffix."""
    quoted = f'"{column}"'
    if data_type in ("BIGINT", "INTEGER", "HUGEINT", "UBIGINT"):
        return (
            f"case when {quoted} is null or {quoted} = 0 then {quoted} else {quoted} + {offset} end"
        )
    if data_type == "VARCHAR":
        return (
            f"case when nullif({quoted}, '') is null or {quoted} = '0' then {quoted} "
            f"else coalesce(cast(try_cast({quoted} as bigint) + {offset} as varchar), "
            f"{quoted} || case when {offset} = 0 then '' else '-' || ({offset}) end) end"
        )
    return quoted


def _tenant(column: str, data_type: str) -> str:
    quoted = f'"{column}"'
    if data_type == "VARCHAR":
        return f"case when copy.k = 0 then {quoted} else 'c' || copy.k || '-' || {quoted} end"
    return f"{quoted} + copy.k"


def _select(schema: str, table: str, columns: list[tuple[str, str]], shape: Shape) -> str:
    """The ``select`` that copies one seed table into the grown warehouse."""
    names = {name for name, _ in columns}
    tenant = TENANT_COLUMNS.get(schema)
    expressions, where = [], "true"
    if shape.kind == "accounts":
        copies = shape.copies if tenant in names or (table == "account" and "id" in names) else 1
        for name, data_type in columns:
            is_tenant = name == tenant or (
                schema == "raw_amocrm" and table == "account" and name == "id"
            )
            expressions.append(
                _tenant(name, data_type) if is_tenant and copies > 1 else f'"{name}"'
            )
    else:
        grown = schema == shape.crm_schema and not table.startswith("_dlt")
        is_users = table in USERS_TABLES
        is_activity = table not in ENTITY_TABLES and not is_users and _looks_like_activity(names)
        copies = (
            (shape.user_groups if is_users else shape.copies)
            if grown and (is_users or table in ENTITY_TABLES or is_activity)
            else 1
        )
        entity_offset = f"copy.k * {ID_STRIDE}"
        user_offset = f"(copy.k % {shape.user_groups}) * {USER_STRIDE}"
        for name, data_type in columns:
            if copies > 1 and is_users and name == "id":
                expressions.append(_shift(name, data_type, f"copy.k * {USER_STRIDE}"))
            elif copies > 1 and not is_users and name in ENTITY_ID_COLUMNS:
                expressions.append(_shift(name, data_type, entity_offset))
            elif copies > 1 and not is_users and name in USER_ID_COLUMNS:
                expressions.append(_shift(name, data_type, user_offset))
            elif copies > 1 and name == "_dlt_id":
                expressions.append(
                    "\"_dlt_id\" || case when copy.k = 0 then '' else '-' || copy.k end"
                )
            else:
                expressions.append(f'"{name}"')
        if is_activity and copies > 1 and shape.activity_share < 1:
            kept = int(shape.activity_share * 1e6)
            history = HISTORY_ROWS.get((schema, table), "false") if shape.history_whole else "false"
            where = f'(copy.k = 0 or {history} or hash("_dlt_id", copy.k) % 1000000 < {kept})'
    aliased = [
        f'{expression} as "{name}"'
        for expression, (name, _) in zip(expressions, columns, strict=True)
    ]
    return (
        f'select {", ".join(aliased)} from seed."{schema}"."{table}" '
        f"cross join range({copies}) as copy(k) where {where}"
    )


def _looks_like_activity(names: set[str]) -> bool:
    """Notes, events, tasks, calls, activities, comments: rows that point at an entity."""
    return bool(names & {"entity_id", "owner_id", "crm_entity_id", "crm_activity_id"}) or bool(
        names & {"call_start_date", "call_duration", "portal_user_id"}
    )


def grow(seed: Path, target: Path, shape: Shape, memory_limit: str = "1GB") -> dict[str, int]:
    """Write the grown raw schemas into ``target`` (replaced); return rows per table."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (target, target.with_name(target.name + ".wal")):
        leftover.unlink(missing_ok=True)
    rows: dict[str, int] = {}
    # Bounded memory and no insertion order: each ``create table as`` streams the cross join
    # (spilling to ``temp_directory`` if it must) instead of buffering a 10M-row table.
    config = {
        "memory_limit": memory_limit,
        "preserve_insertion_order": False,
        "temp_directory": str(target.parent / "duckdb_tmp"),
    }
    with duckdb.connect(str(target), config=config) as connection:
        connection.execute(f"attach '{seed}' as seed (read_only)")
        tables = connection.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'seed' "
            "and schema_name in ('raw_amocrm', 'raw_bitrix24', 'raw_inputs') order by 1, 2"
        ).fetchall()
        if shape.kind == "one-account":
            tables = [(s, t) for s, t in tables if s in (shape.crm_schema, "raw_inputs")]
        for schema, table in tables:
            connection.execute(f'create schema if not exists "{schema}"')
            select = _select(schema, table, _columns(connection, schema, table), shape)
            connection.execute(f'create table "{schema}"."{table}" as {select}')
            rows[f"{schema}.{table}"] = connection.execute(
                f'select count(*) from "{schema}"."{table}"'
            ).fetchone()[0]
        connection.execute("detach seed")
    return rows


if __name__ == "__main__":
    grow(Path(sys.argv[1]), Path(sys.argv[2]), Shape(**json.loads(sys.argv[3])))


def history_rows(warehouse: Path, schema: str) -> int:
    """Rows of ``schema`` in the seed that every copy keeps whole (``HISTORY_ROWS``)."""
    total = 0
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        for (table_schema, table), predicate in HISTORY_ROWS.items():
            if table_schema != schema:
                continue
            exists = connection.execute(
                "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
                [table_schema, table],
            ).fetchone()[0]
            if exists:
                query = f'select count(*) from "{table_schema}"."{table}" where {predicate}'
                total += connection.execute(query).fetchone()[0]
    return total
