"""KPI labels of the marts for the report and the console table, from the dbt manifest.

The mart YAML declares them once per column as ``meta.kpi`` (contract C4), which
``crm_kpi.transform.kpi_meta`` reads from ``target/manifest.json`` for every consumer.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from crm_kpi.transform.kpi_meta import KpiMeta, kpi_meta, read_manifest

__all__ = ["KpiMeta", "kpi_labels", "kpi_meta_by_mart", "project_manifest_path"]

logger = logging.getLogger("crm_kpi.serving")


def project_manifest_path() -> Path:
    """The manifest of the project's dbt helper (parsed first when missing or stale)."""
    from crm_kpi.orchestration.defs.dbt.dbt_models import dbt_project

    return dbt_project().manifest_path


def kpi_meta_by_mart(manifest_path: Path) -> dict[str, dict[str, KpiMeta]]:
    """Mart name -> column name -> its ``meta.kpi`` (columns without one left out)."""
    return kpi_meta(read_manifest(manifest_path))


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
