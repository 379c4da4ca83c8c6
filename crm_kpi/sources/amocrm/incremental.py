"""The incremental resources of amoCRM: rows changed since each account's cursor."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import dlt
from dlt.sources import DltResource

from crm_kpi.sources.common.arrow_pages import ArrowPages
from crm_kpi.sources.common.cursors import AccountCursors

from .connection import AccountConnection
from .helpers.paginators import DescendingScanPaginator, FilterNotHonoured, KeysetPaginator
from .rows import clean_in_place, strip_links, with_account
from .settings import (
    API_PREFIX,
    CURSOR_OVERLAP_SECONDS,
    Endpoint,
)

Row = dict[str, Any]
logger = logging.getLogger("crm_kpi.ingestion.amocrm")


def _cursor_scan(
    connection: AccountConnection, endpoint: Endpoint, params: dict[str, Any], start: int
) -> Iterator[list[Row]]:
    """Pages changed at or after ``start``: keyset when filters work, else newest-first."""
    client, cursor = connection.client, str(endpoint.cursor)
    name = f"{endpoint.table} [{connection.key}]"
    if not endpoint.keyset:
        # Append-only or id-ordered lists: page numbers with the filter are safe.
        params = {**params, f"filter[{cursor}][from]": start, "limit": endpoint.limit}
        warned = False
        for page in client.iter_pages(endpoint.path, endpoint.data_key, params, name):
            kept = [row for row in page if int(row.get(cursor) or 0) >= start]
            if len(kept) < len(page) and not warned:
                warned = True
                logger.warning(
                    "amocrm %s: the account ignores filter[%s]; reading the whole list "
                    "(costs requests in proportion to its size)",
                    name,
                    cursor,
                )
            yield kept
        return
    if connection.filters_enabled:
        try:
            yield from client.iter_pages(
                endpoint.path,
                endpoint.data_key,
                params,
                name,
                KeysetPaginator(cursor, start, endpoint.limit),
            )
            return
        except FilterNotHonoured as error:
            logger.warning(
                "amocrm %s: %s; the account does not honour API filters, falling back to an "
                "ordered scan (newest first)",
                name,
                error,
            )
    for page in client.iter_pages(
        endpoint.path,
        endpoint.data_key,
        params,
        name,
        DescendingScanPaginator(cursor, start, endpoint.limit),
    ):
        yield [row for row in page if int(row.get(cursor) or 0) >= start]


def cursor_resource(
    connections: list[AccountConnection],
    endpoint: Endpoint,
    overrides: dict[str, Any],
    arrow: bool = True,
) -> DltResource:
    """An incremental resource: per account, rows changed since that account's cursor.

    Pages are yielded as Arrow tables, in batches (``arrow``; see ``common.arrow_pages``), else as
    a list of rows for dlt's row-by-row normalizer.
    """
    cursor = str(endpoint.cursor)
    params = {**endpoint.params, **overrides}
    columns = {**endpoint.columns, cursor: {"data_type": "bigint", "dedup_sort": "desc"}}

    def rows() -> Iterator[Any]:
        cursors = AccountCursors(CURSOR_OVERLAP_SECONDS)
        # HAL links are dropped as the page becomes Arrow: no ``_links`` column, nested ones
        # removed from the JSON values only (walking every field of every row cost a fifth of
        # the client); the row path strips each row.
        pages = ArrowPages(
            endpoint.table,
            columns,
            primary_key=endpoint.primary_key,
            drop=("_links",),
            clean=strip_links,
            clean_marker='"_links"',
        )
        pages = pages if arrow else None
        tidy = with_account if arrow else clean_in_place
        for connection in connections:
            last, start = cursors.last(connection.key), cursors.start(connection.key)
            seen: dict[Any, int] = {}
            newest = last
            for number, page in enumerate(_cursor_scan(connection, endpoint, params, start), 1):
                fresh = []
                for item in page:
                    value = int(item.get(cursor) or 0)
                    if seen.get(item["id"], -1) >= value:
                        continue  # read twice (overlap, or moved during the scan)
                    seen[item["id"]] = value
                    newest = max(newest, value)
                    fresh.append(tidy(item, connection.id, **endpoint.constant))
                if pages is not None:
                    where = f"GET {API_PREFIX}/{endpoint.path} [{connection.key}] page {number}"
                    yield from pages.add(fresh, where)
                elif fresh:
                    yield fresh
            if pages is not None:
                yield from pages.flush()
            cursors.advance(connection.key, newest)

    return dlt.resource(
        rows,
        name=endpoint.table,
        primary_key=list(endpoint.primary_key),
        write_disposition="merge",
        columns=columns,
        parallelized=True,
    )
