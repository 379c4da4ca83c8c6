"""Pages as Arrow tables (``crm_kpi.sources.common.arrow_pages``): types, nulls, bad values."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import dlt
import duckdb
import pytest

from crm_kpi.sources.common.arrow_pages import ArrowPages, inferred_type


def _load(
    tmp_path: Path, pages: list[list[dict]], arrow: ArrowPages | None, batched: bool = False
) -> Path:
    """Load ``pages`` into ``things`` (as Arrow tables when ``arrow`` is given), nested
    values as JSON as the CRM sources keep them."""

    @dlt.resource(name="things", primary_key="id", write_disposition="merge", max_table_nesting=0)
    def things():
        for number, page in enumerate(pages, 1):
            if arrow is None:
                yield page
            elif batched:
                yield from arrow.add(page, f"page {number}")
            else:
                yield arrow.table_of(page, f"page {number}")
        if arrow is not None and batched:
            yield from arrow.flush()

    path = tmp_path / "things.duckdb"
    pipeline = dlt.pipeline(
        pipeline_name="arrow_pages_test",
        destination=dlt.destinations.duckdb(str(path)),
        dataset_name="raw",
        pipelines_dir=str(tmp_path / "dlt"),
    )
    pipeline.run(things(), loader_file_format="parquet")
    return path


def _columns(path: Path) -> dict[str, str]:
    with duckdb.connect(str(path), read_only=True) as connection:
        rows = connection.execute(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = 'raw' and table_name = 'things'"
        ).fetchall()
    return dict(rows)


def test_types_are_those_dlt_infers() -> None:
    assert inferred_type(5, False) == "bigint"
    assert inferred_type(True, False) == "bool"
    assert inferred_type(1.5, False) == "double"
    assert inferred_type({"a": 1}, False) == "json"
    assert inferred_type("2026-05-04T10:00:00+03:00", False) == "text"
    assert inferred_type("2026-05-04T10:00:00+03:00", True) == "timestamp"
    assert inferred_type("Y", True) == "text"


def test_a_page_loads_as_one_arrow_table_with_the_columns_of_rows(tmp_path: Path) -> None:
    pages = [
        [
            {"id": 1, "name": "a", "nested": {"x": [1, 2]}, "never": None},
            {"id": 2, "name": None, "nested": None, "never": None, "late": 3},
        ]
    ]
    by_rows = _columns(_load(tmp_path / "rows", pages, None))
    path = _load(tmp_path / "arrow", pages, ArrowPages("things", {"note": {"data_type": "text"}}))
    assert "never" not in by_rows  # null on every row: no column yet, either way
    assert _columns(path) == {**by_rows, "note": "VARCHAR"}  # declared columns always exist
    with duckdb.connect(str(path), read_only=True) as connection:
        nested = connection.execute("select nested from raw.things order by id").fetchall()
    assert [row[0] for row in nested] == ['{"x":[1,2]}', None]


def test_a_bad_value_loads_its_page_row_by_row_and_says_where(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    good = [{"id": 1, "amount": 10}, {"id": 2, "amount": 20}]
    bad = [{"id": 3, "amount": 30}, {"id": 4, "amount": "a lot"}]
    with caplog.at_level(logging.WARNING, logger="crm_kpi.ingestion"):
        path = _load(tmp_path, [good, bad], ArrowPages("things"))
    warning = next(r.getMessage() for r in caplog.records if "row by row" in r.getMessage())
    assert "things, page 2" in warning and "'amount'" in warning and "id=4" in warning
    with duckdb.connect(str(path), read_only=True) as connection:
        ids = connection.execute("select id from raw.things order by id").fetchall()
    assert [row[0] for row in ids] == [1, 2, 3, 4]  # the good rows, and the bad one as dlt keeps it
    assert "amount__v_text" in _columns(path)  # where the row path keeps the odd value


def test_pages_are_batched_and_a_bad_batch_names_its_pages(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pages = [[{"id": 1, "n": 1}], [{"id": 2, "n": 2}], [{"id": 3, "n": "three"}], [{"id": 4}]]
    with caplog.at_level(logging.WARNING, logger="crm_kpi.ingestion"):
        path = _load(tmp_path, pages, ArrowPages("things", batch_rows=2), batched=True)
    warning = next(r.getMessage() for r in caplog.records if "row by row" in r.getMessage())
    assert "page 3 to page 4" in warning and "id=3" in warning
    with duckdb.connect(str(path), read_only=True) as connection:
        rows = connection.execute("select id, n from raw.things order by id").fetchall()
    assert rows == [(1, 1), (2, 2), (3, None), (4, None)]  # "three" kept in n__v_text


def _without_links(value: object) -> None:
    """Remove ``_links`` at any depth, in place (what the amoCRM source passes as ``clean``)."""
    if isinstance(value, dict):
        value.pop("_links", None)
        for item in value.values():
            _without_links(item)
    elif isinstance(value, list):
        for item in value:
            _without_links(item)


@pytest.mark.parametrize("bad", [False, True], ids=["arrow", "row by row"])
def test_dropped_fields_and_cleaned_nested_values(tmp_path: Path, bad: bool) -> None:
    link = {"self": {"href": "http://host/x"}}
    page = [
        {"id": 1, "n": 1, "_links": link, "nested": {"a": {"id": 5, "_links": link}}},
        {"id": 2, "n": 2, "_links": link, "nested": None, "other": [{"b": 2}]},
    ]
    if bad:
        page[1]["n"] = "two"  # text in a bigint column: the batch loads row by row
    pages = ArrowPages(
        "things",
        {"nested": {"data_type": "json"}, "other": {"data_type": "json"}},
        drop=("_links",),
        clean=_without_links,
        clean_marker='"_links"',
    )
    path = _load(tmp_path, [page], pages)
    assert not any(name.startswith("_links") for name in _columns(path))
    with duckdb.connect(str(path), read_only=True) as connection:
        rows = connection.execute("select nested, other from raw.things order by 1").fetchall()
    texts = [json.loads(nested) if nested else None for nested, _ in rows]
    assert {"a": {"id": 5}} in texts  # the nested links are gone, the rest is kept


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_json_columns_sent_as_arrow_strings_raise_no_hint_warning(tmp_path: Path) -> None:
    from dlt.common import logger as dlt_logger

    pages = [[{"id": 1, "nested": {"x": 1}}], [{"id": 2, "nested": [1]}]]
    _load(tmp_path / "first", pages, ArrowPages("things"))  # dlt's logger now exists
    records = _Records()
    dlt_logger.LOGGER.addHandler(records)
    try:
        path = _load(tmp_path / "second", pages, ArrowPages("things"))
    finally:
        dlt_logger.LOGGER.removeHandler(records)
    assert not [m for m in records.messages if "column hints were different" in m]
    assert _columns(path)["nested"] == "JSON"
