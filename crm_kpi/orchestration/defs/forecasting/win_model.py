"""The deal win-probability model as a Dagster asset: reads dbt's features, writes two marts.

``mart_deal_scores`` and ``mart_win_model_quality`` are written whole by this asset (not by
dbt: dbt-duckdb has no Python models for this), after the dbt build, so the published snapshot
and the report (which depend on every ``marts`` asset) wait for it, and the GX mart suites check
it like any other mart. The asset graph stays acyclic: dbt -> win_model -> serving.
"""

# No `from __future__ import annotations`: Dagster inspects the `context` annotation at runtime.
import logging
from collections.abc import Iterator

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    RetryPolicy,
    multi_asset,
)

from crm_kpi.orchestration.defs.dlt.crm_ingestion import WAREHOUSE_POOL
from crm_kpi.transform.forecasting import QUALITY_TABLE, SCORES_TABLE
from crm_kpi.warehouse import Warehouse

logger = logging.getLogger("crm_kpi.orchestration")

FEATURES_KEY = AssetKey(["core", "fct_deal_score_features"])
SCORES_KEY = AssetKey(SCORES_TABLE.split("."))
QUALITY_KEY = AssetKey(QUALITY_TABLE.split("."))


# Training is deterministic: a failure would fail again, so no step retries.
@multi_asset(
    specs=[
        AssetSpec(
            SCORES_KEY,
            deps=[FEATURES_KEY],
            group_name="marts",
            kinds={"scikitlearn", "duckdb"},
            description="Open deals with their win probability (model or stage), expected "
            "value, expected close date and the two factors that move the score most.",
        ),
        AssetSpec(
            QUALITY_KEY,
            deps=[FEATURES_KEY],
            group_name="marts",
            kinds={"scikitlearn", "duckdb"},
            description="Out-of-time AUC and Brier score of the win model beside the stage "
            "baseline's, per account and pipeline, and which of the two scores the deals.",
        ),
    ],
    pool=WAREHOUSE_POOL,
    retry_policy=RetryPolicy(max_retries=0),
)
def win_model(context: AssetExecutionContext, warehouse: Warehouse) -> Iterator[MaterializeResult]:
    """Train per account, evaluate out of time against the stage baseline, score, write."""
    from crm_kpi.transform.forecasting.scoring import score_warehouse  # scikit-learn: now

    logger.info("training and scoring the deal win-probability model ...")
    results = score_warehouse(warehouse)
    decisions = {r.account_key: f"{r.source}: {r.reason}" for r in results}
    quality = [row for r in results for row in r.quality.to_dict("records")]
    account_rows = [row for row in quality if row["pipeline_id"] is None]
    yield MaterializeResult(
        asset_key=SCORES_KEY,
        metadata={
            "rows": sum(len(r.scores) for r in results),
            "win_probability_source": MetadataValue.json(decisions),
        },
    )
    yield MaterializeResult(
        asset_key=QUALITY_KEY,
        metadata={
            "rows": len(quality),
            "accounts": MetadataValue.json(
                {
                    str(row["account_key"]): {
                        k: row[k]
                        for k in ("model_auc", "model_brier", "baseline_auc", "baseline_brier")
                    }
                    for row in account_rows
                }
            ),
        },
    )
