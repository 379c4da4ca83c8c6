"""The incremental cursor of every CRM source: one per account, in the resource's dlt state.

A resource that loads several accounts keeps one cursor per account (dlt's own
``dlt.sources.incremental`` keeps one per resource, which would let a lagging account skip
rows). Each run re-reads ``overlap`` seconds before the last cursor: records committed late,
or changed while the previous run paged through them, are fetched again (the merge on the
primary key dedupes them).
"""

from __future__ import annotations

from collections.abc import Callable

import dlt


class AccountCursors:
    """The cursors (epoch seconds) of one resource, by account key, in ``state[name]``.

    Must be created while the resource runs (it reads ``dlt.current.resource_state()``).
    ``legacy(key)`` answers for an account without a cursor yet (state written by an older
    layout), else the account starts from the beginning.
    """

    def __init__(
        self,
        overlap_seconds: int,
        name: str = "cursors",
        legacy: Callable[[str], int | None] | None = None,
    ) -> None:
        self.overlap = overlap_seconds
        self._values: dict[str, int] = dlt.current.resource_state().setdefault(name, {})
        self._legacy = legacy

    def last(self, key: str) -> int:
        """The newest value loaded for ``key`` so far (0: never loaded)."""
        if key in self._values:
            return int(self._values[key])
        return int((self._legacy(key) if self._legacy else None) or 0)

    def start(self, key: str) -> int:
        """Where this run reads ``key`` from: the last cursor minus the overlap (0: everything)."""
        last = self.last(key)
        return max(0, last - self.overlap) if last else 0

    def advance(self, key: str, newest: int) -> None:
        """Record that ``key`` was loaded up to ``newest`` (never moves a cursor back)."""
        self._values[key] = max(self.last(key), int(newest))
