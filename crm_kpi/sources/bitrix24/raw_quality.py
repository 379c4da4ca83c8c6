"""Expectations on the raw Bitrix24 tables as dlt loaded them (warnings, never blocking).

The plug-in's ``raw_suites`` (``crm_kpi.sources.registry``); run by ``crm_kpi.quality``.

Built from the source's own list of methods (``crm_kpi.sources.bitrix24.settings``), so a new
table gets its suite: rows keyed by ``(portal, id)`` unique and complete, and the
modification cursor present (the incremental load depends on it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dlt.common.normalizers.naming.snake_case import NamingConvention

from crm_kpi.quality.suite import Frame, Suite, grain, required, sane_timestamps
from crm_kpi.sources.bitrix24.settings import COMMENTS, KEYSET_METHODS, PORTAL_SETTINGS_TABLE

if TYPE_CHECKING:
    from great_expectations.expectations.expectation import Expectation

SCHEMA = "raw_bitrix24"
_naming = NamingConvention()


def _column(field: str) -> str:
    """The column dlt makes of an API field (``DATE_MODIFY`` -> ``date_modify``)."""
    return _naming.normalize_identifier(field)


def _cursor_in_range(table: str, key: tuple[str, ...], cursor: str) -> Frame:
    """The cursor as Unix seconds, between 2000-01-01 and tomorrow."""
    epoch = f"extract(epoch from {cursor}) as {cursor}_epoch"  # portable: DuckDB and PostgreSQL
    sql = f"select {', '.join(key)}, {epoch} from {SCHEMA}.{table}"

    def expectations() -> list[Expectation]:
        return sane_timestamps((f"{cursor}_epoch",))

    return Frame("timestamps sane", lambda _columns: sql, expectations)


def _suite(table: str, key: tuple[str, ...], cursor: str | None) -> Suite:
    fields = (cursor,) if cursor else ()

    def expectations() -> list[Expectation]:
        return [*grain(key), *required(fields)]

    return Suite(
        table=f"{SCHEMA}.{table}",
        expectations=expectations,
        columns=(*key, *fields),
        frames=(_cursor_in_range(table, key, cursor),) if cursor else (),
        description="ids not null and unique, modification cursor present and sane",
        reads_new_loads=True,
        account_column="portal",
    )


SUITES = [
    _suite(
        method.table,
        tuple(_column(c) for c in method.primary_key),
        _column(method.cursor) if method.cursor else None,
    )
    for method in (*KEYSET_METHODS, COMMENTS)
] + [_suite(PORTAL_SETTINGS_TABLE, ("portal",), None)]
