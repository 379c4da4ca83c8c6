"""Contract C5: the dbt var ``crms`` names the registered CRMs, and each has its per-CRM models."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from crm_kpi.sources.registry import registered_crms

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "crm_kpi" / "transform" / "dbt_project"
INTERMEDIATE = DBT_PROJECT_DIR / "models" / "intermediate"


def _crms_var() -> list[str]:
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return list(project["vars"]["crms"])


def _unioned_entities() -> set[str]:
    pattern = re.compile(r"union_crm_models\('(\w+)'\)")
    return {
        entity
        for path in INTERMEDIATE.glob("*.sql")
        for entity in pattern.findall(path.read_text(encoding="utf-8"))
    }


def test_crms_var_equals_the_registry() -> None:
    assert _crms_var() == [plugin.name for plugin in registered_crms()]


def test_every_crm_has_a_model_per_unioned_entity() -> None:
    entities = _unioned_entities()
    assert entities, "no model calls union_crm_models()"
    missing = [
        f"int_{crm}__{entity}"
        for crm in _crms_var()
        for entity in sorted(entities)
        if not (INTERMEDIATE / f"int_{crm}__{entity}.sql").exists()
    ]
    assert not missing
