"""Row counts of the last successful check of each table, kept under the data directory.

A mart whose row count jumps or collapses against the previous successful run is more
often a broken join or a half-finished load than a real change in the business.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


class RowCountHistory:
    """A small JSON file: ``{"schema.table": rows}`` of the last passing check."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> RowCountHistory:
        """The history file of a project data directory."""
        return cls(data_dir / "quality" / "row_counts.json")

    def _load(self) -> dict[str, int]:
        if not self.path.exists():
            return {}
        try:
            return {str(k): int(v) for k, v in json.loads(self.path.read_text()).items()}
        except (ValueError, AttributeError):
            # A damaged history only disables the band check until the next good run.
            return {}

    def previous(self, table: str) -> int | None:
        """The row count of ``table`` at its last passing check, if any."""
        return self._load().get(table)

    def record(self, table: str, rows: int) -> None:
        """Remember ``rows`` for ``table`` (written atomically)."""
        counts = self._load()
        counts[table] = rows
        self.path.parent.mkdir(parents=True, exist_ok=True)
        scratch = self.path.with_suffix(".tmp")
        scratch.write_text(json.dumps(counts, indent=1, sort_keys=True))
        os.replace(scratch, self.path)


# Small tables move by a few rows for real; never narrow the band below this many rows.
MIN_SLACK_ROWS = 10


def band(previous: int, share: float) -> tuple[int, int]:
    """Accepted row counts around ``previous``: from ``(1 - share)`` to ``1 / (1 - share)`` times.

    With ``share=0.5``: half to double (and at least ``MIN_SLACK_ROWS`` either way). Growth
    of a day or an account fits; a mart losing most of its rows does not.
    """
    low = min(int(previous * (1 - share)), max(previous - MIN_SLACK_ROWS, 0))
    high = max(int(previous / (1 - share)) + 1, previous + MIN_SLACK_ROWS)
    return low, high
