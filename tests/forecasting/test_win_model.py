"""The deal win-probability model: fallback, out-of-time test, determinism, words."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import SimpleImputer

from benchmarks.win_model_speed import synthetic_features
from crm_kpi.transform.forecasting.factors import describe, describe_stage_only
from crm_kpi.transform.forecasting.features import prepare
from crm_kpi.transform.forecasting.model import (
    closed_rows,
    column_median,
    cutoff_date,
    evaluate,
)
from crm_kpi.transform.forecasting.scoring import score_account


def test_learnable_account_is_scored_by_the_model_and_beats_the_stage_baseline() -> None:
    frame = synthetic_features(1200)
    result = score_account(frame, "bench:1", trained_at=None)
    account = result.quality.iloc[0]
    assert result.source == "model", result.reason
    assert account["model_auc"] > account["baseline_auc"]
    assert account["model_brier"] < account["baseline_brier"]
    scores = result.scores
    assert len(scores) == int(frame["is_horizon"].sum())
    assert scores["win_probability"].between(0, 1).all()
    assert (scores["win_probability_source"] == "model").all()
    directions = r"\((?:raises the chance|lowers it)\)"
    assert scores["top_factors"].str.count(directions).eq(2).all()  # two factors, with direction
    assert scores["top_factors_ru"].str.contains("шансы").all()


def test_scores_are_deterministic() -> None:
    frame = synthetic_features(600)
    first = score_account(frame, "bench:1", trained_at=None).scores
    second = score_account(frame.sample(frac=1, random_state=3), "bench:1", trained_at=None).scores
    pd.testing.assert_frame_equal(
        first.sort_values("deal_id").reset_index(drop=True),
        second.sort_values("deal_id").reset_index(drop=True),
    )


def test_fewer_than_200_closed_deals_fall_back_to_the_stage_probability() -> None:
    frame = synthetic_features(150)
    result = score_account(frame, "bench:1", trained_at=None)
    assert result.source == "stage"
    assert "fewer than 200 closed deals (150)" in result.reason
    scores = result.scores
    pd.testing.assert_series_equal(
        scores["win_probability"].reset_index(drop=True),
        pd.to_numeric(scores["stage_win_probability"]).reset_index(drop=True),
        check_names=False,
    )
    assert scores["top_factors"].str.contains("stage-only score").all()


def test_out_of_time_split_trains_only_on_earlier_closings() -> None:
    frame = synthetic_features(600)
    closed = frame[frame["is_won"].notna()]
    cutoff = cutoff_date(closed)
    assert cutoff is not None and cutoff.day == 1
    later = (pd.to_datetime(closed.drop_duplicates("deal_id")["closed_date"]) >= cutoff).mean()
    assert 0.15 < later < 0.35
    ordered = closed_rows(frame)
    (account, *pipelines) = evaluate(ordered, prepare(ordered), cutoff)
    assert account.pipeline_id is None and account.n_test > 0
    assert account.n_train + account.n_test == len(closed)
    assert [p.pipeline_id for p in pipelines] == ["1"]


def test_factors_in_words_with_direction() -> None:
    row = {"activities_14d": 6, "first_response_hours": np.nan, "stage_name": "Переговоры"}
    english, russian = describe(
        row, {"activities_14d": 0.9, "first_response_hours": -1.4, "amount": 0.1}
    )
    assert english == (
        "no first contact yet (lowers it); 6 activities in the last 14 days (raises the chance)"
    )
    assert russian == (
        "клиенту ещё не ответили (снижает шансы); 6 действий за 14 дней (повышает шансы)"
    )
    assert describe_stage_only({"stage_name": "Переговоры", "stage_win_probability": 0.42}) == (
        "stage “Переговоры”: 42% of the deals that reached it were won (stage-only score)",
        "этап «Переговоры»: выиграно 42% сделок, дошедших до него (оценка по этапу)",
    )


def test_the_median_imputer_matches_scikit_learns_median_strategy() -> None:
    rng = np.random.default_rng(7)
    data = rng.normal(size=(1001, 4)).round(1)  # ties; odd and (after the gaps) even counts
    data[rng.random(data.shape) < 0.3] = np.nan
    data[:, 2] = np.nan  # a column without any value: dropped by both
    ours = SimpleImputer(strategy=column_median).fit(data)
    theirs = SimpleImputer(strategy="median").fit(data)
    np.testing.assert_array_equal(ours.statistics_, theirs.statistics_)
    with pytest.warns(UserWarning):  # scikit-learn says it skips the empty column
        np.testing.assert_array_equal(ours.transform(data), theirs.transform(data))
