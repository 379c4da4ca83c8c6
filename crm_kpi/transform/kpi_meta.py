"""``meta.kpi`` of the mart columns (contract C4), read from the dbt manifest: the one reader.

The mart YAML declares each KPI once per column (label, unit, range, ratio sides); the
quality rules (``crm_kpi.quality.kpi_rules``), the report and the console table
(``crm_kpi.serving.kpi_meta``) all read it from here, never a copy.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

MARTS_SCHEMA = "marts"


@dataclass(frozen=True)
class KpiMeta:
    """``meta.kpi`` of one mart column."""

    column: str
    label: dict[str, str] = field(default_factory=dict)
    unit: str = ""
    range: tuple[float | None, float | None] | None = None
    numerator: str | None = None
    denominator: str | None = None

    @property
    def is_ratio(self) -> bool:
        """A ratio KPI: its value is ``numerator / denominator``."""
        return bool(self.numerator and self.denominator)


def _column_kpi(column: Mapping[str, Any]) -> Mapping[str, Any] | None:
    meta = column.get("meta") or (column.get("config") or {}).get("meta") or {}
    return meta.get("kpi")


def _meta(column: str, kpi: Mapping[str, Any]) -> KpiMeta:
    bounds = kpi.get("range")
    return KpiMeta(
        column=column,
        label=dict(kpi.get("label") or {}),
        unit=str(kpi.get("unit") or ""),
        range=(bounds[0], bounds[1]) if bounds else None,
        numerator=kpi.get("numerator"),
        denominator=kpi.get("denominator"),
    )


def _is_mart(node: Mapping[str, Any], kinds: tuple[str, ...]) -> bool:
    schema = (node.get("config") or {}).get("schema") or node.get("schema")
    return node.get("resource_type") in kinds and schema == MARTS_SCHEMA


def kpi_meta(
    manifest: Mapping[str, Any], include_sources: bool = True
) -> dict[str, dict[str, KpiMeta]]:
    """Mart name -> column -> its ``meta.kpi`` (columns without one left out).

    ``include_sources``: also the marts declared as dbt sources (written by the win model).
    """
    kinds = ("model", "source") if include_sources else ("model",)
    nodes = [*(manifest.get("nodes") or {}).values()]
    if include_sources:
        nodes += [*(manifest.get("sources") or {}).values()]
    return {
        node["name"]: {
            name: _meta(name, kpi)
            for name, column in (node.get("columns") or {}).items()
            if (kpi := _column_kpi(column))
        }
        for node in nodes
        if _is_mart(node, kinds)
    }


@lru_cache(maxsize=8)
def _read(path: Path, modified_ns: int) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def read_manifest(manifest_path: Path) -> dict[str, Any]:
    """The manifest at ``manifest_path`` (parsed once per version of the file); {} without one.

    Callers must not modify what it returns (it is shared).
    """
    if not manifest_path.exists():
        return {}
    return _read(manifest_path, manifest_path.stat().st_mtime_ns)
