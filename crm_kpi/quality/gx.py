"""Great Expectations, imported on its first use.

The Dagster definitions describe every suite (its table, name, whether it blocks) when they
load, in every process that loads them; GX itself (with scipy and altair) takes ~4 s and
~140 MB to import and is needed only when a check runs (issue #11). The suites therefore
reach GX through these names, which import it on the first attribute read.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


class _Lazy:
    """A module, imported when one of its attributes is first read."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self._name), attribute)


expectations: Any = _Lazy("great_expectations.expectations")
row_conditions: Any = _Lazy("great_expectations.expectations.row_conditions")


def Column(name: str) -> Any:  # noqa: N802 (GX's name, as the suites read it)
    """GX's row-condition column ``name`` (``Column("status") == "open"``)."""
    return row_conditions.Column(name)
