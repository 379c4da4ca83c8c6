"""The project's own generic tests find what they are for (rendered and run on a small table).

dbt's `{% test %}` block is a macro with a test's calling convention, so the file renders as a
plain Jinja macro; the query it yields runs on DuckDB.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import jinja2

GENERIC_TESTS = Path(__file__).resolve().parents[2] / "crm_kpi/transform/dbt_project/tests/generic"


def _test_query(name: str, **arguments: object) -> str:
    text = (GENERIC_TESTS / f"{name}.sql").read_text(encoding="utf-8")
    text = text.replace("{% test ", "{% macro ").replace("{% endtest %}", "{% endmacro %}")
    return getattr(jinja2.Environment().from_string(text).module, name)(**arguments)


def _failures(query: str) -> list[tuple]:
    with duckdb.connect() as connection:
        connection.execute(
            "create table deals as select * from (values"
            " ('a', 1, null), ('a', 2, 'x'), ('b', null, null)) as t(account_key, deal_id, note)"
        )
        connection.execute("create table empty as select * from deals where false")
        return connection.execute(query).fetchall()


def test_not_null_columns_names_each_column_with_nulls_and_how_many() -> None:
    query = _test_query(
        "not_null_columns", model="deals", column_names=["account_key", "deal_id", "note"]
    )
    assert sorted(_failures(query)) == [("deal_id", 1), ("note", 2)]


def test_not_null_columns_passes_on_filled_columns_and_on_an_empty_table() -> None:
    assert (
        _failures(_test_query("not_null_columns", model="deals", column_names=["account_key"]))
        == []
    )
    assert (
        _failures(
            _test_query("not_null_columns", model="empty", column_names=["account_key", "note"])
        )
        == []
    )
