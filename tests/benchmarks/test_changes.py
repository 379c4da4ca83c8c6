"""The benchmark's "one more day" of changes: several nights on one warehouse never reuse an id."""

from __future__ import annotations

from pathlib import Path

import duckdb

from benchmarks.changes import one_more_day


def _warehouse(path: Path) -> Path:
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema raw_amocrm")
        connection.execute(
            "create table raw_amocrm.leads as select range as id, "
            "1700000000 + range as updated_at, 'load-0' as _dlt_load_id, "
            "'row-' || range as _dlt_id from range(1, 20001)"
        )
        connection.execute(
            "create table raw_amocrm._dlt_loads as select 'load-0' as load_id, "
            "'amocrm' as schema_name, 0 as status, now() as inserted_at, "
            "'hash' as schema_version_hash"
        )
    return path


def test_each_night_adds_rows_under_ids_and_dlt_ids_no_earlier_night_used(tmp_path: Path) -> None:
    warehouse = _warehouse(tmp_path / "raw.duckdb")
    for _night in range(3):
        assert one_more_day(warehouse, share=0.02) > 0
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows, ids, dlt_ids, loads = connection.execute(
            "select count(*), count(distinct id), count(distinct _dlt_id), "
            "count(distinct _dlt_load_id) from raw_amocrm.leads"
        ).fetchone()
    assert rows > 20_000
    assert ids == rows and dlt_ids == rows
    assert loads == 4


def test_tables_without_an_id_get_updates_only_and_keep_their_grain(tmp_path: Path) -> None:
    """Custom field values are keyed by (entity, field, index): a copy would reuse a key."""
    warehouse = _warehouse(tmp_path / "raw.duckdb")
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(
            "create table raw_amocrm.lead_custom_field_values as select range as entity_id, "
            "7 as field_id, 0 as value_index, 1700000000 + range as updated_at, "
            "'load-0' as _dlt_load_id, 'value-' || range as _dlt_id from range(1, 20001)"
        )
    for _night in range(3):
        one_more_day(warehouse, share=0.02)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows, keys, updated = connection.execute(
            "select count(*), count(distinct (entity_id, field_id, value_index)), "
            "count(*) filter (where _dlt_load_id <> 'load-0') "
            "from raw_amocrm.lead_custom_field_values"
        ).fetchone()
    assert rows == keys == 20_000
    assert updated > 0
