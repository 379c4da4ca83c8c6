"""Stand-ins for the dbt cross-database macros used by the models (lint only, DuckDB SQL)."""

from __future__ import annotations


def type_string() -> str:
    return "text"


def type_bigint() -> str:
    return "bigint"


def type_int() -> str:
    return "integer"


def type_boolean() -> str:
    return "boolean"


def type_timestamp() -> str:
    return "timestamp"


def type_float() -> str:
    return "double"


def type_numeric() -> str:
    return "numeric(28, 6)"


def datediff(first_date: str, second_date: str, datepart: str) -> str:
    return f"date_diff('{datepart}', {first_date}, {second_date})"


def dateadd(datepart: str, interval: object, from_date_or_timestamp: str) -> str:
    return f"date_add({from_date_or_timestamp}, interval ({interval}) {datepart})"


def date_trunc(datepart: str, date: str) -> str:
    return f"date_trunc('{datepart}', {date})"


def bool_or(expression: str) -> str:
    return f"bool_or({expression})"
