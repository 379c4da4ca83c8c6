"""Score every account's open deals and write ``mart_deal_scores`` and ``mart_win_model_quality``.

The Dagster asset ``win_model`` (``crm_kpi/orchestration/defs/forecasting/win_model.py``) calls
``score_warehouse``
after dbt has built ``core.fct_deal_score_features``; the script ``evaluate`` calls it too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crm_kpi.transform.forecasting import QUALITY_TABLE, SCORES_TABLE, model
from crm_kpi.transform.forecasting.factors import describe_frame
from crm_kpi.transform.forecasting.features import load_closed, load_open, prepare
from crm_kpi.warehouse import Warehouse
from crm_kpi.warehouse.frames import NewTable, replace_tables

logger = logging.getLogger("crm_kpi.transform.forecasting")

SCORE_COLUMNS = (
    "account_key",
    "deal_id",
    "deal_name",
    "pipeline_id",
    "stage_id",
    "stage_name",
    "manager_id",
    "lead_source",
    "amount",
    "stage_win_probability",
    "win_probability",
    "win_probability_source",
    "expected_value",
    "expected_close_date",
    "days_open",
    "days_in_current_stage",
    "is_stalled",
    "top_factors",
    "top_factors_ru",
)


@dataclass(frozen=True)
class AccountScores:
    """The outcome for one account: its open deals' scores and its model-quality rows."""

    account_key: str
    source: str  # model or stage
    reason: str
    scores: pd.DataFrame
    quality: pd.DataFrame


def _decide(closed_deals: int, account_eval: model.Evaluation) -> tuple[str, str]:
    if closed_deals < model.MIN_CLOSED_DEALS:
        return "stage", f"fewer than {model.MIN_CLOSED_DEALS} closed deals ({closed_deals})"
    if account_eval.model_auc is None:
        return "stage", "too little history for an out-of-time test"
    if not account_eval.model_beats_baseline:
        return "stage", "the model does not beat the stage baseline out of time"
    return "model", "the model beats the stage baseline out of time"


def score_account(frame: pd.DataFrame, account_key: str, trained_at: object) -> AccountScores:
    """Evaluate, train and score one account's features (``fct_deal_score_features`` rows)."""
    open_now = frame[frame["is_horizon"].astype(bool)]
    return _score(model.closed_rows(frame), open_now, account_key, trained_at)


def _score(
    closed: pd.DataFrame, open_now: pd.DataFrame, account_key: str, trained_at: object
) -> AccountScores:
    """``score_account`` of ``closed`` (``model.closed_rows``) and the deals open now."""
    closed_deals = int(closed["deal_id"].nunique())
    cutoff = model.cutoff_date(closed)
    inputs = prepare(closed)  # once: the out-of-time test and the final fit both read it
    evaluations = model.evaluate(closed, inputs, cutoff)
    source, reason = _decide(closed_deals, evaluations[0])
    # A pipeline whose own test rows say the model loses to its stage baseline keeps the stage.
    pipeline_source = {
        e.pipeline_id: "stage" if e.model_auc is not None and not e.model_beats_baseline else source
        for e in evaluations[1:]
    }
    open_now = open_now.copy()
    open_now["win_probability_source"] = [
        pipeline_source.get(str(pipeline_id), source) for pipeline_id in open_now["pipeline_id"]
    ]
    by_model = (open_now["win_probability_source"] == "model").to_numpy()
    open_now["win_probability"] = pd.to_numeric(open_now["stage_win_probability"])
    open_now["top_factors"], open_now["top_factors_ru"] = "", ""
    stage_en, stage_ru = describe_frame(open_now[~by_model], None)
    open_now.loc[~by_model, "top_factors"] = stage_en
    open_now.loc[~by_model, "top_factors_ru"] = stage_ru
    if by_model.any():
        trained = model.fit(inputs, model.labels(closed))
        scored = open_now[by_model]
        scored_inputs = prepare(scored)
        open_now.loc[by_model, "win_probability"] = model.predict(trained, scored_inputs)
        model_en, model_ru = describe_frame(scored, model.contributions(trained, scored_inputs))
        open_now.loc[by_model, "top_factors"] = model_en
        open_now.loc[by_model, "top_factors_ru"] = model_ru
    del inputs
    open_now["expected_value"] = pd.to_numeric(open_now["amount"]) * open_now["win_probability"]
    open_now = open_now.rename(columns={"days_in_stage": "days_in_current_stage"})
    quality = pd.DataFrame(
        [
            {
                "account_key": account_key,
                "pipeline_id": e.pipeline_id,
                "trained_at": trained_at,
                "cutoff_date": cutoff.date() if cutoff is not None else None,
                "n_closed_deals": closed_deals,
                "n_train": e.n_train,
                "n_test": e.n_test,
                "model_auc": e.model_auc,
                "model_brier": e.model_brier,
                "baseline_auc": e.baseline_auc,
                "baseline_brier": e.baseline_brier,
                "win_probability_source": (
                    source if e.pipeline_id is None else pipeline_source[e.pipeline_id]
                ),
                "decision": (
                    "the model does not beat the stage baseline on this pipeline's test rows"
                    if e.pipeline_id is not None and pipeline_source[e.pipeline_id] != source
                    else reason
                ),
            }
            for e in evaluations
        ]
    )
    logger.info("win model %s: %s (%s)", account_key, source, reason)
    return AccountScores(account_key, source, reason, open_now[list(SCORE_COLUMNS)], quality)


def _horizons(warehouse: Warehouse) -> dict[str, object]:
    # Until core.dim_accounts.data_horizon_at exists: int_accounts.as_of is the data horizon.
    with warehouse.connect(read_only=True) as connection:
        rows = connection.execute(
            "select account_key, as_of from intermediate.int_accounts"
        ).fetchall()
    return dict(rows)


def _accounts(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Each account's rows of a frame ordered by account: slices, not copies."""
    codes, keys = pd.factorize(frame["account_key"])
    starts = [0, *(np.flatnonzero(codes[1:] != codes[:-1]) + 1).tolist()]
    stops = [*starts[1:], len(codes)]
    return {
        str(keys[codes[a]]): frame.iloc[a:b] for a, b in zip(starts, stops, strict=True) if b > a
    }


def score_all(warehouse: Warehouse) -> list[AccountScores]:
    """Every account of the features table, scored (read-only)."""
    closed, open_now = load_closed(warehouse), load_open(warehouse)
    horizons = _horizons(warehouse)
    closed_by_account, open_by_account = _accounts(closed), _accounts(open_now)
    return [
        _score(
            closed_by_account.get(account_key, closed.iloc[:0]),
            open_by_account.get(account_key, open_now.iloc[:0]),
            account_key,
            horizons.get(account_key),
        )
        for account_key in sorted({*closed_by_account, *open_by_account})
    ]


# Portable SQL (DuckDB and PostgreSQL): each column cast to its type, read from the frame.
SCORES_SQL = """
select
    cast(account_key as varchar) as account_key,
    cast(deal_id as varchar) as deal_id,
    cast(deal_name as varchar) as deal_name,
    cast(pipeline_id as varchar) as pipeline_id,
    cast(stage_id as varchar) as stage_id,
    cast(stage_name as varchar) as stage_name,
    cast(manager_id as varchar) as manager_id,
    cast(lead_source as varchar) as lead_source,
    cast(amount as decimal(18, 2)) as amount,
    cast(stage_win_probability as double precision) as stage_win_probability,
    cast(win_probability as double precision) as win_probability,
    cast(win_probability_source as varchar) as win_probability_source,
    cast(expected_value as decimal(18, 2)) as expected_value,
    cast(expected_close_date as date) as expected_close_date,
    cast(days_open as integer) as days_open,
    cast(days_in_current_stage as integer) as days_in_current_stage,
    cast(is_stalled as boolean) as is_stalled,
    cast(top_factors as varchar) as top_factors,
    cast(top_factors_ru as varchar) as top_factors_ru
from scores
order by account_key, deal_id
"""
QUALITY_SQL = """
select
    cast(account_key as varchar) as account_key,
    cast(pipeline_id as varchar) as pipeline_id,
    cast(trained_at as timestamp with time zone) as trained_at,
    cast(cutoff_date as date) as cutoff_date,
    cast(n_closed_deals as bigint) as n_closed_deals,
    cast(n_train as bigint) as n_train,
    cast(n_test as bigint) as n_test,
    cast(model_auc as double precision) as model_auc,
    cast(model_brier as double precision) as model_brier,
    cast(baseline_auc as double precision) as baseline_auc,
    cast(baseline_brier as double precision) as baseline_brier,
    cast(win_probability_source as varchar) as win_probability_source,
    cast(decision as varchar) as decision
from quality
order by account_key, pipeline_id nulls first
"""


def _empty(columns: tuple[str, ...] | list[str]) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})


def write(warehouse: Warehouse, results: list[AccountScores]) -> None:
    """Replace both marts in one transaction (empty tables when there is no account)."""
    scores = pd.concat([r.scores for r in results]) if results else _empty(SCORE_COLUMNS)
    quality = (
        pd.concat([r.quality for r in results])
        if results
        else _empty(["account_key", "pipeline_id", "trained_at", "cutoff_date", "n_closed_deals",
                     "n_train", "n_test", "model_auc", "model_brier", "baseline_auc",
                     "baseline_brier", "win_probability_source", "decision"])
    )  # fmt: skip
    scores = scores.replace({np.nan: None})
    # Money rounded here, so that both engines store the same kopecks (no cast rounds a x.xx5).
    for column in ("amount", "expected_value"):
        scores[column] = pd.to_numeric(scores[column]).round(2)
    replace_tables(
        warehouse,
        [
            NewTable(SCORES_TABLE, SCORES_SQL, "scores", scores),
            NewTable(QUALITY_TABLE, QUALITY_SQL, "quality", quality),
        ],
    )


def score_warehouse(warehouse: Warehouse) -> list[AccountScores]:
    """Score every account and write the two marts."""
    results = score_all(warehouse)
    write(warehouse, results)
    return results
