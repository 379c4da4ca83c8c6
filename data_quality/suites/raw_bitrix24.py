"""Expectations on the raw Bitrix24 tables as dlt loaded them (warnings, never blocking).

Built from the source's own list of methods (``ingestion.bitrix24.settings``), so a new
table gets its suite: rows keyed by ``(portal, id)`` unique and complete, and the
modification cursor present (the incremental load depends on it).
"""

from __future__ import annotations

from dlt.common.normalizers.naming.snake_case import NamingConvention
from great_expectations.expectations.expectation import Expectation

from data_quality.suite import Suite, grain, required
from ingestion.bitrix24.settings import KEYSET_METHODS

SCHEMA = "raw_bitrix24"
_naming = NamingConvention()


def _column(field: str) -> str:
    """The column dlt makes of an API field (``DATE_MODIFY`` -> ``date_modify``)."""
    return _naming.normalize_identifier(field)


def _suite(table: str, key: tuple[str, ...], cursor: str | None) -> Suite:
    fields = (cursor,) if cursor else ()

    def expectations() -> list[Expectation]:
        return [*grain(key), *required(fields)]

    return Suite(
        table=f"{SCHEMA}.{table}",
        expectations=expectations,
        columns=(*key, *fields),
        description="ids not null and unique, modification cursor present",
    )


SUITES = [
    _suite(
        method.table,
        tuple(_column(c) for c in method.primary_key),
        _column(method.cursor) if method.cursor else None,
    )
    for method in KEYSET_METHODS
]
