"""pandas DataFrames in and out of the warehouse, fast on each engine.

DuckDB builds a frame from a query natively (columnar) and reads a registered frame as a
relation; PostgreSQL reads through pandas and SQLAlchemy and loads rows with ``COPY``. The SQL
given here is the same on both: ``:name`` parameters, portable types.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crm_kpi.warehouse.resource import Warehouse

# SQLAlchemy's own rule for a ``:name`` bind parameter in ``text()`` (``::`` casts are not).
_BIND_PARAMETER = re.compile(r"(?<![:\w\\]):(\w+)(?!:)")


def read_frame(
    warehouse: Warehouse,
    sql: str,
    params: Mapping[str, Any] | None = None,
    *,
    text_as_categories: bool = False,
) -> pd.DataFrame:
    """The rows of ``sql`` (with ``:name`` parameters) as a DataFrame, over a read-only connection.

    Both engines give the same dtypes for the same data: numbers as int64/float64 (decimals as
    floats), dates and timestamps as datetime64, text as strings. ``text_as_categories`` gives
    text as pandas categories instead, for frames of millions of rows: on DuckDB it reads
    through Arrow, which converts each distinct string once and, unlike ``.df()``, does not
    hold the rows as Python strings on the way (about 40 % less peak memory); decimals are
    then read as Python objects, so cast them to double in ``sql``.
    """
    params = dict(params or {})
    if warehouse.kind == "duckdb":
        with warehouse.connect(read_only=True) as connection:
            result = connection.execute(_BIND_PARAMETER.sub(r"$\1", sql), params)
            if not text_as_categories:
                return result.df()
            table = result.to_arrow_table()
        return table.to_pandas(
            strings_to_categorical=True, date_as_object=False, self_destruct=True
        )
    import sqlalchemy as sa

    with warehouse.sql(read_only=True) as connection:
        result = connection.execute(sa.text(sql), params)
        frame = pd.DataFrame.from_records(
            result.fetchall(), columns=list(result.keys()), coerce_float=True
        )
    frame = _like_duckdb(frame)
    if text_as_categories:
        for column in frame.columns:
            if pd.api.types.is_object_dtype(frame[column]) or pd.api.types.is_string_dtype(
                frame[column]
            ):
                frame[column] = frame[column].astype("category")
    return frame


def _like_duckdb(frame: pd.DataFrame) -> pd.DataFrame:
    """Date and timestamp columns of psycopg's Python objects as datetime64, as DuckDB gives."""
    for column in frame.columns:
        values = frame[column].dropna()
        if values.empty or frame[column].dtype != object:
            continue
        first = values.iloc[0]
        if isinstance(first, (dt.date, dt.datetime)):
            frame[column] = pd.to_datetime(frame[column])
    return frame


@dataclass(frozen=True)
class NewTable:
    """A table to (re)create from a frame: ``create table <name> as <select>``.

    ``select`` reads the frame as the relation ``source`` and casts each column to its type.
    """

    name: str
    select: str
    source: str
    frame: pd.DataFrame


def replace_tables(warehouse: Warehouse, tables: Sequence[NewTable]) -> None:
    """Drop and recreate every table from its frame, all in one transaction.

    DuckDB reads the frames where they are; PostgreSQL gets them by ``COPY`` into temporary
    tables, which the same ``select`` then reads.
    """
    schemas = sorted({table.name.split(".", 1)[0] for table in tables if "." in table.name})
    if warehouse.kind == "duckdb":
        with warehouse.connect() as connection:
            for schema in schemas:
                connection.execute(f"create schema if not exists {schema}")
            connection.execute("begin")
            for table in tables:
                connection.register(table.source, table.frame)
                connection.execute(f"drop table if exists {table.name}")
                connection.execute(f"create table {table.name} as {table.select}")
                connection.unregister(table.source)
            connection.execute("commit")
        return
    with warehouse.connect() as connection, connection.cursor() as cursor:
        for schema in schemas:
            cursor.execute(f"create schema if not exists {schema}")
        for table in tables:
            _copy_to_temporary(cursor, table.source, table.frame)
            cursor.execute(f"drop table if exists {table.name}")
            cursor.execute(f"create table {table.name} as {table.select}")
            cursor.execute(f"drop table {table.source}")


def _copy_to_temporary(cursor: Any, name: str, frame: pd.DataFrame) -> None:
    """``frame`` as the temporary table ``name`` (PostgreSQL, ``COPY``), typed as DuckDB
    would read it, so that the casts of the ``select`` behave alike."""
    columns = ", ".join(f'"{column}" {_postgres_type(frame[column])}' for column in frame.columns)
    cursor.execute(f"create temporary table {name} ({columns})")
    names = ", ".join(f'"{column}"' for column in frame.columns)
    with cursor.copy(f"copy {name} ({names}) from stdin") as copy:
        for row in _python_rows(frame):
            copy.write_row(row)


def _postgres_type(values: pd.Series) -> str:
    """The PostgreSQL type of a frame column: from its dtype, or its first value's type."""
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "bigint"
    if pd.api.types.is_float_dtype(dtype):
        return "double precision"
    if isinstance(dtype, pd.DatetimeTZDtype):
        return "timestamp with time zone"
    if pd.api.types.is_datetime64_dtype(dtype):
        return "timestamp"
    present = values.dropna()
    first = present.iloc[0] if not present.empty else None
    for kind, name in _OBJECT_TYPES:
        if isinstance(first, kind):
            if name == "timestamp" and getattr(first, "tzinfo", None) is not None:
                return "timestamp with time zone"
            return name
    return "text"


# Checked in this order (a bool is an int, a datetime is a date).
_OBJECT_TYPES: tuple[tuple[type | tuple[type, ...], str], ...] = (
    ((bool, np.bool_), "boolean"),
    ((int, np.integer), "bigint"),
    ((float, np.floating), "double precision"),
    (decimal.Decimal, "numeric"),
    (dt.datetime, "timestamp"),
    (dt.date, "date"),
)


def _python_rows(frame: pd.DataFrame) -> Iterator[tuple[Any, ...]]:
    """The rows as plain Python values (``None`` for missing), which psycopg can dump."""
    plain = frame.astype(object).where(frame.notna(), None)
    for row in plain.itertuples(index=False, name=None):
        yield tuple(value.item() if hasattr(value, "item") else value for value in row)
