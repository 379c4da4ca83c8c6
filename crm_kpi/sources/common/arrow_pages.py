"""Pages of API rows as Arrow tables, so that dlt takes its Arrow path.

A list of dicts goes through dlt's row-by-row normalizer (most of the client's time at scale);
an Arrow table is written to parquet as it is. ``ArrowPages.table_of`` turns a page of rows into
an Arrow table with an explicit schema that gives the raw tables the columns and types the
row path gave them:

- declared columns (the resource's ``columns`` hints) are always present, with their type;
- a column the pipeline's schema already holds (an earlier load) keeps its type there;
- any other field gets the type dlt would infer from its first non-null value (dlt's own
  type map and its ``iso_timestamp`` detection), and keeps it on later pages; a field that is
  null on every row of the page is left out, as dlt leaves it out until it sees a value;
- nested values (``json`` columns) are serialised once with orjson (a ``json`` column the
  hints do not declare is declared with ``dlt.mark.with_hints`` on the page that brings it);
- ``_dlt_load_id`` and ``_dlt_id`` are added as dlt's normalizer adds them to a row.

Arrow has no JSON type, so a ``json`` column travels as a string, and dlt warns on every batch
that the resource's hint (``json``) differs from the Arrow type (``text``), keeps the hint and
lets the destination cast, which is what we want: that one warning is dropped for the tables
built here (``_KeptJsonHints``); dlt's INFO lines still name each column.

Pages are gathered into batches of ``batch_rows`` rows (``add`` / ``flush``): dlt's cost per
Arrow item (schema merge, parquet row group) is paid per batch, not per page of 50-250 rows.

A batch the schema cannot hold (a value of another type than its column's, e.g. text in a
bigint column) is returned as the rows themselves, with a warning naming the table, the
column, the row and the pages: dlt's row path then coerces the value or keeps it in a variant
column, exactly as before, and the good rows of the batch load with it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import dlt
import orjson
import pyarrow as pa
from dlt.common.data_types.type_helpers import py_type_to_sc_type
from dlt.common.normalizers.utils import generate_dlt_ids
from dlt.common.schema.detections import is_iso_timestamp

Row = dict[str, Any]
logger = logging.getLogger("crm_kpi.ingestion")

LOAD_ID, ROW_ID = "_dlt_load_id", "_dlt_id"
# dlt data type -> the Arrow type dlt maps back to the same column type.
ARROW_TYPES: dict[str, pa.DataType] = {
    "text": pa.string(),
    "json": pa.string(),
    "bigint": pa.int64(),
    "double": pa.float64(),
    "bool": pa.bool_(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}
BATCH_ROWS = 10_000
_CONVERSION_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError)


# The start of dlt's warning (dlt/extract/extractors.py, ArrowExtractor) when a resource's
# column hints differ from its Arrow schema; the resource's name follows "In resource: ".
_HINTS_DIFFER = "several column hints were different"
_ARROW_TABLES: set[str] = set()


class _KeptJsonHints(logging.Filter):
    """Drops dlt's per-batch "column hints were different" warning for the tables built here:
    by construction the only difference is ``json`` columns sent as Arrow strings."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _HINTS_DIFFER not in message:
            return True
        resource = message.removeprefix("In resource: ").split(",", 1)[0]
        return resource not in _ARROW_TABLES


_KEPT_JSON_HINTS = _KeptJsonHints()


def _quiet_json_hint_warnings(table: str) -> None:
    from dlt.common import logger as dlt_logger

    _ARROW_TABLES.add(table)
    if dlt_logger.LOGGER is not None and _KEPT_JSON_HINTS not in dlt_logger.LOGGER.filters:
        dlt_logger.LOGGER.addFilter(_KEPT_JSON_HINTS)


class PageDoesNotFit(ValueError):
    """A value on a page does not fit its column's Arrow type."""


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    return orjson.dumps(value).decode()


def inferred_type(value: Any, detect_timestamps: bool) -> str | None:
    """The dlt data type the row path gives a new column from its first non-null ``value``
    (``None``: a type this module does not build, left to the row path)."""
    if detect_timestamps and isinstance(value, str) and is_iso_timestamp(str, value):
        return "timestamp"
    try:
        data_type = py_type_to_sc_type(type(value))
    except TypeError:
        return None
    return data_type if data_type in ARROW_TYPES else None


class ArrowPages:
    """Builds the Arrow tables of one dlt table, page by page (types learnt stay fixed).

    Args:
        table: the dlt table (for messages).
        columns: the resource's column hints (``{name: {"data_type": ...}}``).
        detect_timestamps: type ISO 8601 strings as timestamps (dlt's ``iso_timestamp``
            detection, which the Bitrix24 rows rely on).
        row_name: the field that names a row in messages (its id).
        primary_key: the table's key columns (NOT NULL, as dlt makes them).
        batch_rows: rows gathered before ``add`` yields a table.
        drop: top-level fields never loaded (amoCRM's HAL ``_links``): no column is built.
        clean: called on every nested value before it is serialised, and on every row of a
            batch that loads row by row (amoCRM: remove nested ``_links`` in place), so that
            only the nested values are walked, never every scalar of every row.
        clean_marker: when given, ``clean`` runs only on the nested values whose JSON text
            holds it (``"_links"``: most nested values have no links and are never walked).
    """

    def __init__(
        self,
        table: str,
        columns: Mapping[str, Mapping[str, Any]] | None = None,
        detect_timestamps: bool = False,
        row_name: str = "id",
        primary_key: Sequence[str] = (),
        batch_rows: int = BATCH_ROWS,
        drop: Sequence[str] = (),
        clean: Callable[[Any], None] | None = None,
        clean_marker: str | None = None,
    ) -> None:
        self.table = table
        _quiet_json_hint_warnings(table)
        self.drop = frozenset(drop)
        self.clean = clean
        self.clean_marker = clean_marker
        self.batch_rows = batch_rows
        self._buffer: list[Row] = []
        self._pages: list[str] = []
        self.primary_key = frozenset(primary_key)
        self.detect_timestamps = detect_timestamps
        self.row_name = row_name
        self.types: dict[str, str] = {
            name: str(hint["data_type"])
            for name, hint in (columns or {}).items()
            if hint.get("data_type") in ARROW_TYPES
        }
        self.declared = tuple(self.types)
        self._warned: set[str] = set()
        self._hinted: set[str] = {name for name, kind in self.types.items() if kind == "json"}
        self._stored: dict[str, str] | None = None
        self._normalize: Any = str

    def _stored_type(self, name: str) -> str | None:
        """The type of ``name`` in the pipeline's schema (an earlier load), if any."""
        if self._stored is None:
            self._stored = {}
            try:
                schema = dlt.current.source_schema()
            except Exception:  # not extracting (a unit test): no stored schema
                return None
            self._normalize = schema.naming.normalize_identifier
            if self.table in schema.tables:
                self._stored = {
                    column: str(hint.get("data_type"))
                    for column, hint in schema.get_table_columns(self.table).items()
                    if hint.get("data_type")
                }
        return self._stored.get(self._normalize(name)) if self._stored else None

    def add(self, rows: Sequence[Row], where: str) -> Iterator[Any]:
        """Gather one page (``where`` names it); yield a table once a batch is full."""
        if rows:
            self._buffer.extend(rows)
            self._pages.append(where)
        if len(self._buffer) >= self.batch_rows:
            yield from self.flush()

    def flush(self) -> Iterator[Any]:
        """Yield the table of the pages gathered so far (if any)."""
        if not self._buffer:
            return
        rows, pages = self._buffer, self._pages
        self._buffer, self._pages = [], []
        where = pages[0] if len(pages) == 1 else f"{pages[0]} to {pages[-1]}"
        yield self.table_of(rows, where)

    def table_of(self, rows: Sequence[Row], where: str) -> Any:
        """``rows`` as one Arrow table (with the hints of new ``json`` columns); the rows
        themselves when a value does not fit."""
        if not rows:
            return list(rows)
        try:
            table = self._build(rows)
        except PageDoesNotFit as error:
            key = str(error.args[1]) if len(error.args) > 1 else str(error)
            if key not in self._warned:
                self._warned.add(key)
                logger.warning(
                    "%s, %s: %s; these rows load row by row (dlt coerces the value or keeps it "
                    "in a variant column)",
                    self.table,
                    where,
                    error.args[0],
                )
            return self._cleaned(rows)
        new_json = [
            name
            for name in table.column_names
            if self.types.get(name) == "json" and name not in self._hinted
        ]
        if not new_json:
            return table
        self._hinted.update(new_json)
        columns = {name: {"data_type": "json", "nullable": True} for name in new_json}
        return dlt.mark.with_hints(table, dlt.mark.make_hints(columns=columns))

    def _cleaned(self, rows: Sequence[Row]) -> list[Row]:
        """The rows themselves (for dlt's row path), cleaned as the Arrow path cleans them."""
        if self.clean is not None or self.drop:
            for row in rows:
                if self.clean is not None:
                    self.clean(row)
                for name in self.drop:
                    row.pop(name, None)
        return list(rows)

    def _column_types(self, rows: Sequence[Row]) -> dict[str, str]:
        """The columns of this page: the declared and learnt ones, then new non-null fields."""
        names: dict[str, None] = dict.fromkeys(self.declared)
        for row in rows:
            names.update(dict.fromkeys(row))
        for name in self.drop:
            names.pop(name, None)
        page_types: dict[str, str] = {}
        for name in names:
            data_type = self.types.get(name) or self._stored_type(name)
            if data_type is not None and data_type not in ARROW_TYPES:
                raise PageDoesNotFit(
                    f"column {name!r} is {data_type} in the pipeline's schema, which this "
                    "module does not build",
                    name,
                )
            if data_type is None:
                value = next((row[name] for row in rows if row.get(name) is not None), None)
                if value is None:
                    continue  # null on every row: dlt creates no column for it yet
                data_type = inferred_type(value, self.detect_timestamps)
                if data_type is None:
                    row = next(row for row in rows if row.get(name) is not None)
                    raise PageDoesNotFit(
                        f"field {name!r} of row {self._row_name(row)} holds a "
                        f"{type(value).__name__}, which has no Arrow column here",
                        name,
                    )
            self.types[name] = data_type
            page_types[name] = data_type
        return page_types

    def _row_name(self, row: Row) -> str:
        return f"{self.row_name}={row.get(self.row_name)!r}"

    def _arrays(self, page_types: Mapping[str, str], rows: Sequence[Row]) -> list[pa.Array]:
        """Every column of the page: the scalar ones converted together in one pass over the
        rows (a struct array built by Arrow's C++ converter, not a Python loop per column),
        the ``json`` ones serialised one value at a time."""
        scalar = {
            name: ARROW_TYPES["text" if data_type == "timestamp" else data_type]
            for name, data_type in page_types.items()
            if data_type != "json"
        }
        struct = pa.array(rows, type=pa.struct(list(scalar.items()))) if scalar else None
        arrays = []
        for name, data_type in page_types.items():
            if data_type == "json":
                arrays.append(self._array(name, data_type, rows))
                continue
            assert struct is not None
            array = struct.field(name)
            if data_type == "timestamp":
                array = array.cast(ARROW_TYPES["timestamp"])
            arrays.append(array)
        return arrays

    def _json_texts(self, values: list[Any]) -> list[str | None]:
        """The JSON text of each nested value, cleaned first (``clean``, ``clean_marker``)."""
        texts = [_json_text(value) for value in values]
        if self.clean is None:
            return texts
        marker = self.clean_marker
        for index, text in enumerate(texts):
            if text is not None and (marker is None or marker in text):
                self.clean(values[index])
                texts[index] = _json_text(values[index])
        return texts

    def _array(self, name: str, data_type: str, rows: Sequence[Row]) -> pa.Array:
        values = [row.get(name) for row in rows]
        try:
            if data_type == "json":
                return pa.array(self._json_texts(values), type=pa.string())
            if data_type == "timestamp":
                return pa.array(values, type=pa.string()).cast(ARROW_TYPES["timestamp"])
            return pa.array(values, type=ARROW_TYPES[data_type])
        except _CONVERSION_ERRORS as error:
            bad = next((row for row in rows if not _fits(row.get(name), data_type)), rows[0])
            raise PageDoesNotFit(
                f"column {name!r} ({data_type}) cannot hold {bad.get(name)!r} of row "
                f"{self._row_name(bad)} ({type(error).__name__})",
                name,
            ) from error

    def _build(self, rows: Sequence[Row]) -> pa.Table:
        page_types = self._column_types(rows)
        try:
            arrays = self._arrays(page_types, rows)
        except _CONVERSION_ERRORS:
            # Column by column, to name the column and the row that do not fit (raises).
            arrays = [self._array(name, data_type, rows) for name, data_type in page_types.items()]
        fields = [
            pa.field(name, array.type, nullable=name not in self.primary_key)
            for name, array in zip(page_types, arrays, strict=True)
        ]
        load_id = dlt.current.load_package_state()["load_id"]
        arrays.append(pa.array([load_id] * len(rows), type=pa.string()))
        arrays.append(pa.array(generate_dlt_ids(len(rows)), type=pa.string()))
        # dlt's normalizer makes both NOT NULL columns.
        fields += [pa.field(LOAD_ID, pa.string(), False), pa.field(ROW_ID, pa.string(), False)]
        return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _fits(value: Any, data_type: str) -> bool:
    """Whether one value converts to ``data_type`` (to name the row that does not)."""
    if value is None:
        return True
    try:
        if data_type == "json":
            _json_text(value)
        elif data_type == "timestamp":
            pa.array([value], type=pa.string()).cast(ARROW_TYPES["timestamp"])
        else:
            pa.array([value], type=ARROW_TYPES[data_type])
    except _CONVERSION_ERRORS:
        return False
    return True
