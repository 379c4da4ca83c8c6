"""One more day of CRM changes, written into the raw schemas the way a dlt merge leaves them.

A share of the rows of every table that has a modification cursor is updated in place (its
cursor moved past the newest one, its ``_dlt_load_id`` the new load's) and as many new rows
are added (copies of existing rows under new ids, in tables with an ``id``); a row in
``_dlt_loads`` records the load.
On top, ``deal_scenarios`` writes the cases an incremental build must get right (amoCRM): an
updated deal, a reopened deal, a stage change, a deleted deal and a late-arriving activity.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import duckdb

from benchmarks.scale import ENTITY_ID_COLUMNS, _shift

# Modification cursors the sources read incrementally (epoch seconds or timestamps).
CURSOR_COLUMNS = ("updated_at", "date_modify", "last_updated", "changed_date", "_cursor_ts")
# Tables read by creation time only (events, calls): new rows, never updates.
CREATED_COLUMNS = ("created_at", "created_time", "call_start_date")
# New rows' ids are the copied row's id plus a multiple of this above every id already there,
# so each further night on one warehouse adds ids no earlier night used.
NEW_ID_OFFSET = 900_000_000_000
RAW_SCHEMAS = ("raw_amocrm", "raw_bitrix24")


def _cursor(columns: dict[str, str]) -> tuple[str | None, bool]:
    """The table's cursor column, and whether its rows may be updated (else only added)."""
    updated = next((name for name in CURSOR_COLUMNS if name in columns), None)
    if updated:
        return updated, True
    return next((name for name in CREATED_COLUMNS if name in columns), None), False


def one_more_day(
    warehouse: Path,
    share: float = 0.003,
    scenarios: bool = False,
    schemas: tuple[str, ...] = RAW_SCHEMAS,
    load_id: str | None = None,
) -> int:
    """Update ``share / 2`` of the rows and add as many new ones; return the rows touched.

    ``scenarios``: also write the ``deal_scenarios`` rows (when the amoCRM raw tables exist).
    ``schemas``: the raw schemas that get a day (default: both CRMs'). ``load_id``: the load's
    id (default: now, as dlt stamps a load extracted now); an older one is a load that was
    extracted before loads the warehouse already holds and merged after them.
    """
    load_id = load_id or f"{time.time():.6f}"
    touched = 0
    with duckdb.connect(str(warehouse)) as connection:
        tables = connection.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where list_contains(?, schema_name) and not starts_with(table_name, '_dlt')",
            [list(schemas)],
        ).fetchall()
        offset = _id_offset(connection, tables)
        if scenarios and "raw_amocrm" in schemas:
            touched += deal_scenarios(connection, load_id, offset)
        touched += _reload_replaced_tables(connection, load_id, schemas)
        for schema, table in tables:
            relation = f'"{schema}"."{table}"'
            columns = dict(
                connection.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_schema = ? and table_name = ?",
                    [schema, table],
                ).fetchall()
            )
            cursor, updatable = _cursor(columns)
            if cursor is None or "_dlt_id" not in columns:
                continue
            threshold = int(share / 2 * 1_000_000)
            step = "3600" if columns[cursor] in ("BIGINT", "DOUBLE") else "interval 1 hour"
            newest = f'(select max("{cursor}") from {relation})'
            before = connection.execute(f"select count(*) from {relation}").fetchone()[0]
            expressions = []
            for name, data_type in columns.items():
                if name in ENTITY_ID_COLUMNS and name in ("id",):
                    expressions.append(_shift(name, data_type, str(offset)))
                elif name == cursor:
                    expressions.append(f"{newest} + {step}")
                elif name == "_dlt_load_id":
                    expressions.append(f"'{load_id}'")
                elif name == "_dlt_id":
                    expressions.append(f"\"_dlt_id\" || '-{load_id}'")
                else:
                    expressions.append(f'"{name}"')
            expressions = [
                f'{expression} as "{name}"'
                for expression, name in zip(expressions, columns, strict=True)
            ]
            sample = f"hash(\"_dlt_id\", 'new') % 1000000 < {threshold}"
            # A copy needs a new key: tables keyed by their entity (custom field values:
            # entity, field, index) get updates only, as a second row under one key is what
            # dlt's merge never leaves (and a second night duplicated their grain); so does a
            # table of one row per account (the account itself: a copy is a second account row).
            if "id" in columns and not _one_row_per_account(connection, relation, columns):
                connection.execute(
                    f"insert into {relation} select {', '.join(expressions)} "
                    f"from {relation} where {sample}"
                )
            updated = (
                0
                if not updatable
                else connection.execute(
                    f'update {relation} set "{cursor}" = {newest} + {step}, '
                    f"\"_dlt_load_id\" = '{load_id}' "
                    f"where hash(\"_dlt_id\", 'upd') % 1000000 < {threshold} "
                    f"and \"_dlt_load_id\" <> '{load_id}'"
                ).fetchone()[0]
            )
            after = connection.execute(f"select count(*) from {relation}").fetchone()[0]
            touched += (after - before) + updated
        for schema in schemas:
            exists = connection.execute(
                "select count(*) from duckdb_tables() "
                "where schema_name = ? and table_name = '_dlt_loads'",
                [schema],
            ).fetchone()[0]
            if exists:
                connection.execute(
                    f'insert into "{schema}"._dlt_loads by name '
                    f"select '{load_id}' as load_id, schema_name, 0 as status, "
                    "now() as inserted_at, "
                    f'schema_version_hash from "{schema}"._dlt_loads '
                    "order by inserted_at desc limit 1"
                )
    return touched


def _id_offset(connection: duckdb.DuckDBPyConnection, tables: list[tuple[str, str]]) -> int:
    """The least multiple of ``NEW_ID_OFFSET`` above every numeric ``id`` of ``tables``."""
    largest = 0
    for schema, table in tables:
        has_id = connection.execute(
            "select count(*) from information_schema.columns "
            "where table_schema = ? and table_name = ? and column_name = 'id'",
            [schema, table],
        ).fetchone()[0]
        if has_id:
            found = connection.execute(
                f'select max(try_cast("id" as hugeint)) from "{schema}"."{table}"'
            ).fetchone()[0]
            largest = max(largest, found or 0)
    return (largest // NEW_ID_OFFSET + 1) * NEW_ID_OFFSET


def _one_row_per_account(
    connection: duckdb.DuckDBPyConnection, relation: str, columns: dict[str, str]
) -> bool:
    """Does ``relation`` hold one row per account (amoCRM ``account``)?"""
    if "account_id" not in columns:
        return False
    rows, accounts = connection.execute(
        f"select count(*), count(distinct account_id) from {relation}"
    ).fetchone()
    return bool(rows) and rows == accounts


def _reload_replaced_tables(
    connection: duckdb.DuckDBPyConnection, load_id: str, schemas: tuple[str, ...] = RAW_SCHEMAS
) -> int:
    """Stamp every row of the tables dlt replaces on each load (the amoCRM bin snapshot) of
    ``schemas`` with ``load_id``, as the night's load would; return the rows stamped.

    Which tables: ``write_disposition: replace`` in each raw schema's stored dlt schema.
    """
    stamped = 0
    for schema in schemas:
        if not _exists(connection, schema, "_dlt_version"):
            continue
        stored = connection.execute(
            f"select schema from {schema}._dlt_version order by inserted_at desc limit 1"
        ).fetchone()
        if stored is None:
            continue
        for table, spec in json.loads(stored[0]).get("tables", {}).items():
            if spec.get("write_disposition") == "replace" and _exists(connection, schema, table):
                stamped += connection.execute(
                    f'update {schema}."{table}" set _dlt_load_id = ?', [load_id]
                ).fetchone()[0]
    return stamped


def _exists(connection: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        connection.execute(
            "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def _status_event(event_id: int, lead_id: int, before: tuple, after: tuple) -> str:
    """The ``select`` of a ``lead_status_changed`` event row (statuses as (id, pipeline_id))."""

    def value(status: tuple) -> str:
        return f'[{{"lead_status":{{"id":{status[0]},"pipeline_id":{status[1]}}}}}]'

    return (
        f"select '{event_id}' as id, '{value(before)}'::json as value_before, "
        f"'{value(after)}'::json as value_after, 'lead_status_changed' as type, "
        f"{lead_id} as entity_id"
    )


def deal_scenarios(
    connection: duckdb.DuckDBPyConnection, load_id: str, offset: int = NEW_ID_OFFSET
) -> int:
    """Write the deal changes an incremental build must follow; return the rows touched.

    New rows take ids from ``offset`` + 1 on (``one_more_day`` passes one no earlier night used).

    amoCRM, on the lowest-id leads of one account (deterministic): lead 1 (open) is edited
    (price, name); lead 2 (won) is reopened into an open stage with its stage-change event;
    lead 3 (open) moves to another open stage; lead 4 (open) gets a ``lead_deleted`` event;
    a call note dated before the lookback window arrives on lead 5, in this load; the
    lowest other open lead without stage-change events is lost without one (it then reaches
    no open stage: its funnel rows must go); the lowest lead in the bin whose row was
    loaded (``put_lead_in_bin`` makes one) leaves the bin; and the highest other open lead
    goes into the bin without a deletion event; lead 1 also loses all its custom field values.
    """
    tables = ("leads", "events", "lead_notes")
    if not all(_exists(connection, "raw_amocrm", name) for name in tables):
        return 0
    leads = connection.execute(
        "select id, status_id, pipeline_id, account_id from raw_amocrm.leads "
        "where account_id = (select min(account_id) from raw_amocrm.leads) "
        "and not coalesce(is_deleted, false) order by id"
    ).fetchall()
    open_leads = [lead for lead in leads if lead[1] not in (142, 143)]
    won_leads = [lead for lead in leads if lead[1] == 142]
    if len(open_leads) < 4 or not won_leads:
        return 0
    edited, moved, deleted, noted = open_leads[:4]
    reopened = won_leads[0]
    newest = connection.execute("select max(updated_at) + 3600 from raw_amocrm.leads").fetchone()[0]
    event_at = connection.execute(
        "select max(created_at) + 3600 from raw_amocrm.events"
    ).fetchone()[0]

    def other_open_status(lead: tuple) -> int:
        """An open status of the lead's pipeline other than its own (its own when none)."""
        statuses = sorted({row[1] for row in open_leads if row[2] == lead[2]} - {lead[1]})
        return statuses[0] if statuses else lead[1]

    reopened_status, moved_status = other_open_status(reopened), other_open_status(moved)
    stamp = f"updated_at = {newest}, _dlt_load_id = '{load_id}'"
    connection.execute(
        f"update raw_amocrm.leads set price = coalesce(price, 0) + 1000, "
        f"name = coalesce(name, '') || ' (edited)', {stamp} where id = {edited[0]}"
    )
    connection.execute(
        f"update raw_amocrm.leads set status_id = {reopened_status}, closed_at = null, {stamp} "
        f"where id = {reopened[0]}"
    )
    connection.execute(
        f"update raw_amocrm.leads set status_id = {moved_status}, {stamp} where id = {moved[0]}"
    )
    events = [
        _status_event(offset + 1, reopened[0], (142, reopened[2]), (reopened_status, reopened[2])),
        _status_event(offset + 2, moved[0], (moved[1], moved[2]), (moved_status, moved[2])),
        f"select '{offset + 3}' as id, null::json as value_before, "
        f"null::json as value_after, 'lead_deleted' as type, {deleted[0]} as entity_id",
    ]
    for number, event in enumerate(events):
        connection.execute(
            f"insert into raw_amocrm.events by name select new_event.*, {event_at} as created_at, "
            f"'lead' as entity_type, {reopened[3]} as account_id, "
            f"'{load_id}' as _dlt_load_id, 'scenario-{load_id}-{number}' as _dlt_id "
            f"from ({event}) as new_event"
        )
    # An open lead without stage-change events (older than the events the API keeps) is
    # closed as lost, and its event is not there either: it now reaches no open stage.
    silent = connection.execute(
        "select id from raw_amocrm.leads as leads "
        f"where account_id = {reopened[3]} and status_id not in (142, 143) "
        f"and id not in ({edited[0]}, {moved[0]}, {deleted[0]}, {noted[0]}) "
        "and not exists (select 1 from raw_amocrm.events as events "
        "where events.entity_id = leads.id and events.type = 'lead_status_changed') "
        "order by id limit 1"
    ).fetchone()
    if silent:
        connection.execute(
            f"update raw_amocrm.leads set status_id = 143, closed_at = {newest}, {stamp} "
            f"where id = {silent[0]}"
        )
    left_bin, entered_bin = None, None
    if _exists(connection, "raw_amocrm", "deleted_entities"):
        # A lead whose row was loaded before it went into the bin leaves the bin: the bin is a
        # snapshot, so nothing newer marks the lead (`deals_to_rebuild()` finds it).
        left_bin = connection.execute(
            "select bin.id from raw_amocrm.deleted_entities as bin "
            "inner join raw_amocrm.leads as leads on bin.id = leads.id "
            "and bin.account_id = leads.account_id "
            "where bin.entity_type = 'leads' order by bin.id limit 1"
        ).fetchone()
        if left_bin:
            connection.execute(
                "delete from raw_amocrm.deleted_entities "
                f"where entity_type = 'leads' and id = {left_bin[0]}"
            )
        # An open lead goes into the bin without a deletion event (the snapshot shows it).
        entered_bin = connection.execute(
            "select id, account_id, updated_at from raw_amocrm.leads as leads "
            f"where account_id = {reopened[3]} and status_id not in (142, 143) "
            f"and id not in ({edited[0]}, {moved[0]}, {deleted[0]}, {noted[0]}) "
            f"and id <> {left_bin[0] if left_bin else 0} "
            "and not exists (select 1 from raw_amocrm.deleted_entities as bin "
            "where bin.id = leads.id and bin.account_id = leads.account_id) "
            "order by id desc limit 1"
        ).fetchone()
        if entered_bin:
            _put_in_bin(connection, entered_bin, load_id)
    # The edited lead loses all its custom field values: its new version is a marker row.
    emptied = 0
    if _exists(connection, "raw_amocrm", "lead_custom_field_values"):
        emptied = connection.execute(
            "insert into raw_amocrm.lead_custom_field_values by name select 'leads' as "
            "entity_type, ? as account_id, ? as entity_id, 0 as field_id, 0 as value_index, "
            "? as updated_at, ? as _dlt_load_id, 'marker-' || ? as _dlt_id "
            "where exists (select 1 from raw_amocrm.lead_custom_field_values "
            "where entity_id = ? and account_id = ? and field_id <> 0)",
            [edited[3], edited[0], newest, load_id, edited[0], edited[0], edited[3]],
        ).fetchone()[0]
    # A call logged late: dated before the lookback window, loaded now.
    connection.execute(
        f"insert into raw_amocrm.lead_notes by name select * replace ("
        f"{offset + 4} as id, {noted[0]} as entity_id, "
        f"'{load_id}' as _dlt_load_id, 'scenario-{load_id}-note' as _dlt_id) "
        f"from raw_amocrm.lead_notes where account_id = {noted[3]} "
        f"and note_type in ('call_out', 'call_in') order by created_at limit 1"
    )
    return 3 + len(events) + 1 + emptied + sum(1 for row in (silent, left_bin, entered_bin) if row)


def put_lead_in_bin(warehouse: Path) -> int | None:
    """Put the highest-id open amoCRM lead into the bin snapshot, as an earlier load would.

    Its row stays loaded (deleted after that load), so ``deal_scenarios`` can take it out of
    the bin again. Returns the lead's id (None without the amoCRM raw tables).
    """
    with duckdb.connect(str(warehouse)) as connection:
        if not all(_exists(connection, "raw_amocrm", t) for t in ("leads", "deleted_entities")):
            return None
        lead = connection.execute(
            "select id, account_id, updated_at, _dlt_load_id from raw_amocrm.leads "
            "where status_id not in (142, 143) and not coalesce(is_deleted, false) "
            "order by id desc limit 1"
        ).fetchone()
        if lead is None:
            return None
        _put_in_bin(connection, lead[:3], lead[3])
        return lead[0]


def _put_in_bin(connection: duckdb.DuckDBPyConnection, lead: tuple, load_id: str) -> None:
    """Add ``lead`` (id, account_id, updated_at) to the amoCRM bin snapshot, in ``load_id``."""
    connection.execute(
        "insert into raw_amocrm.deleted_entities by name select ? as account_id, "
        "'leads' as entity_type, ? as id, ? as updated_at, true as is_deleted, "
        "? as _dlt_load_id, 'bin-' || ? as _dlt_id",
        [lead[1], lead[0], lead[2], load_id, lead[0]],
    )
