"""How dbt nodes show in Dagster: grouped by layer, fed by the account merge, read by the BI.

Models are grouped by their folder under ``models/`` (staging, intermediate, core, marts), not
dagster-dbt's ``default``; every model that reads a raw source also waits for the merge of the
accounts' staging files (``raw/accounts_merged``); each dbt exposure (a BI dashboard) becomes an
external asset downstream of its marts and the published snapshot.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dagster import AssetKey, AssetSpec
from dagster_dbt import DagsterDbtTranslator

from crm_kpi.orchestration.defs.dlt.crm_ingestion import MERGED_KEY

LAYERS = ("staging", "intermediate", "core", "marts")
EXPOSURES_GROUP = "bi"


def layer_of(props: Mapping[str, Any]) -> str | None:
    """The layer of a dbt node: the first folder of its path under ``models/``."""
    fqn = props.get("fqn") or []
    return fqn[1] if len(fqn) > 2 and fqn[1] in LAYERS else None


def _reads_sources(props: Mapping[str, Any]) -> bool:
    nodes = (props.get("depends_on") or {}).get("nodes") or []
    return any(str(node).startswith("source.") for node in nodes)


class LayerTranslator(DagsterDbtTranslator):
    """dagster-dbt's translator with layer groups and the account merge upstream of staging."""

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: Any
    ) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props.get("resource_type") == "source":  # dlt's own tables (``_dlt_loads``)
            return spec.replace_attributes(group_name=props.get("source_name") or spec.group_name)
        if props.get("resource_type") not in ("model", "seed", "snapshot"):
            return spec
        spec = spec.replace_attributes(group_name=layer_of(props) or spec.group_name)
        if _reads_sources(props):
            spec = spec.merge_attributes(deps=[MERGED_KEY])
        return spec


def exposure_specs(
    manifest_path: Path, model_keys: Mapping[str, AssetKey], upstream: Sequence[AssetKey] = ()
) -> list[AssetSpec]:
    """One external asset per dbt exposure, downstream of its models and of ``upstream``."""
    manifest = json.loads(manifest_path.read_text())
    specs = []
    for exposure in manifest.get("exposures", {}).values():
        refs = [model_keys[n] for n in exposure["depends_on"]["nodes"] if n in model_keys]
        owner = (exposure.get("owner") or {}).get("email")
        specs.append(
            AssetSpec(
                key=AssetKey(["exposures", exposure["name"]]),
                deps=[*refs, *upstream],
                group_name=EXPOSURES_GROUP,
                description=exposure.get("description") or exposure.get("label"),
                owners=[owner] if owner else [],
                kinds={"dashboard"},
                metadata={
                    "label": exposure.get("label") or exposure["name"],
                    "type": exposure.get("type", ""),
                    "maturity": exposure.get("maturity") or "",
                },
            )
        )
    return specs
