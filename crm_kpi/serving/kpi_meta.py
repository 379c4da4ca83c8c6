"""KPI metadata of the marts (label, unit, range, ratio sides), read from the dbt manifest.

The mart YAML declares it once per column as ``meta.kpi`` (contract C4); the report, the
console table and the quality rules read it from ``target/manifest.json``, never a copy.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from crm_kpi.serving.tables import MARTS_SCHEMA

logger = logging.getLogger("crm_kpi.serving")


@dataclass(frozen=True)
class KpiMeta:
    """``meta.kpi`` of one mart column."""

    column: str
    label: dict[str, str] = field(default_factory=dict)
    unit: str = ""
    range: tuple[float | None, float | None] | None = None
    numerator: str | None = None
    denominator: str | None = None


def project_manifest_path() -> Path:
    """The manifest of the project's dbt helper (parsed first when missing or stale)."""
    from crm_kpi.orchestration.defs.dbt.dbt_models import dbt_project

    return dbt_project().manifest_path


def _mart_nodes(manifest: dict) -> list[dict]:
    nodes = [*manifest.get("nodes", {}).values(), *manifest.get("sources", {}).values()]
    return [
        node
        for node in nodes
        if node.get("resource_type") in ("model", "source")
        and (node.get("config", {}).get("schema") or node.get("schema")) == MARTS_SCHEMA
    ]


def kpi_meta_by_mart(manifest_path: Path) -> dict[str, dict[str, KpiMeta]]:
    """Mart name -> column name -> its ``meta.kpi`` (columns without one left out)."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    marts: dict[str, dict[str, KpiMeta]] = {}
    for node in _mart_nodes(manifest):
        columns: dict[str, KpiMeta] = {}
        for name, column in (node.get("columns") or {}).items():
            kpi = (column.get("meta") or {}).get("kpi")
            if not kpi:
                continue
            bounds = kpi.get("range")
            columns[name] = KpiMeta(
                column=name,
                label=dict(kpi.get("label") or {}),
                unit=kpi.get("unit", ""),
                range=(bounds[0], bounds[1]) if bounds else None,
                numerator=kpi.get("numerator"),
                denominator=kpi.get("denominator"),
            )
        marts[node["name"]] = columns
    return marts


@lru_cache(maxsize=8)
def _labels(manifest_path: Path, modified_ns: int) -> dict[str, dict[str, str]]:
    labels: dict[str, dict[str, str]] = {}
    for columns in kpi_meta_by_mart(manifest_path).values():
        for name, meta in columns.items():
            for language, text in meta.label.items():
                labels.setdefault(language, {}).setdefault(name, text)
    return labels


def kpi_labels(manifest_path: Path, language: str) -> dict[str, str]:
    """KPI column -> its label in ``language`` over every mart; {} (logged) without a manifest.

    A column means the same in every mart that shows it, so its label is the same too (the
    catalogue contract test checks that).
    """
    if not manifest_path.exists():
        logger.warning("no dbt manifest at %s: KPI labels fall back to column names", manifest_path)
        return {}
    return dict(_labels(manifest_path, manifest_path.stat().st_mtime_ns).get(language, {}))
