"""Pages past the first without re-scanning the rows before them (the emulator's own cost).

``limit ? offset ?`` makes SQLite walk every earlier row again for each page, so a list read
page by page costs the square of its length (the events of a large account: minutes of
emulator time). The first request for page 2 or later of a query keeps the query's ordered row
ids; the following pages slice them. Nothing the API answers changes: the ids are recomputed
whenever the data changed in between (``Connection.total_changes``), so rows moving during a
scan (``mutate_during_pagination``) shift across pages exactly as they do without the cache.
"""

from __future__ import annotations

import sqlite3
from typing import Any

MAX_QUERIES = 16  # distinct listings kept at once (each is one list of ints)


class OrderedIds:
    """Per (table, filter, order): the ordered rowids, valid while the data is unchanged."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._ids: dict[tuple[Any, ...], tuple[int, list[int]]] = {}

    def page(
        self,
        table: str,
        columns: str,
        where: str,
        params: list[Any],
        order: str,
        limit: int,
        offset: int,
    ) -> list[tuple[Any, ...]]:
        """``select columns from table where ... order by ... limit offset``, by rowid slice.

        The caller holds the store's lock.
        """
        key = (table, where, tuple(params), order)
        version = self._db.total_changes
        cached = self._ids.get(key)
        if cached is None or cached[0] != version:
            if len(self._ids) >= MAX_QUERIES:
                self._ids.clear()
            sql = f"select rowid from {table}{where} order by {order}"
            cached = (version, [rowid for (rowid,) in self._db.execute(sql, params)])
            self._ids[key] = cached
        wanted = cached[1][offset : offset + limit]
        if not wanted:
            return []
        marks = ",".join("?" * len(wanted))
        sql = f"select rowid, {columns} from {table} where rowid in ({marks})"
        found = {row[0]: row[1:] for row in self._db.execute(sql, wanted)}
        return [found[rowid] for rowid in wanted if rowid in found]
