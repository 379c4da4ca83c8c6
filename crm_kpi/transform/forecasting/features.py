"""The model's features: which columns of ``core.fct_deal_score_features`` it uses, and how."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_kpi.warehouse import Warehouse
from crm_kpi.warehouse.frames import read_frame

FEATURES_TABLE = "core.fct_deal_score_features"

# Numeric features as they are (counts, rates) or on a log scale (skewed durations, money).
LOG_FEATURES = ("amount", "days_open", "days_in_stage", "first_response_hours")
COUNT_FEATURES = (
    "activities_14d",
    "activities_30d",
    "outbound_calls_30d",
    "inbound_30d",
    "meetings_30d",
)
RATE_FEATURES = ("stage_win_probability", "manager_win_rate_90d")
# Categorical features, one-hot encoded (stage = pipeline + stage id).
CATEGORICAL_FEATURES = ("stage_key", "lead_source")
# Missing values that mean something get their own indicator.
MISSING_FLAGS = {
    "first_response_hours": "not_contacted_yet",
    "days_since_last_activity": "no_activity_yet",
    "manager_win_rate_90d": "manager_no_recent_closings",
}
# The feature groups a manager reads about (one-hot columns and flags roll up into them).
FACTOR_GROUPS = (
    "stage_key",
    "lead_source",
    "amount",
    "days_open",
    "days_in_stage",
    "first_response_hours",
    "days_since_last_activity",
    "manager_win_rate_90d",
    "stage_win_probability",
    *COUNT_FEATURES,
)
NO_ACTIVITY_DAYS = 365  # days since the last activity when there was none


# What the model reads of a closed deal's snapshot (decimals as doubles, as read_frame gives).
_MODEL_INPUTS = (
    "pipeline_id",
    "stage_id",
    "lead_source",
    *(f"cast({c} as double precision) as {c}" if c == "amount" else c for c in LOG_FEATURES),
    *COUNT_FEATURES,
    *RATE_FEATURES,
    "days_since_last_activity",
)


def load_closed(warehouse: Warehouse) -> pd.DataFrame:
    """Every account's training material: snapshots of deals closed now, ordered by account,
    closing date, deal and cutoff (as ``model.closed_rows`` orders them), the model's columns
    only. Snapshots of deals still open are neither trained on nor scored, so not read."""
    columns = ", ".join(("account_key", "deal_id", "closed_date", "is_won", *_MODEL_INPUTS))
    return read_frame(
        warehouse,
        f"select {columns} from {FEATURES_TABLE}"
        " where not is_horizon and is_won is not null"
        " order by account_key, closed_date, deal_id, known_before",
        text_as_categories=True,
    )


def load_open(warehouse: Warehouse) -> pd.DataFrame:
    """Every column of the deals open at the data horizon (the ones scored)."""
    return read_frame(
        warehouse,
        f"select * from {FEATURES_TABLE} where is_horizon"
        " order by account_key, known_before, deal_id",
    )


def text_categories(values: pd.Series) -> pd.Categorical:
    """The values as text (``str`` of each), as categories: each distinct value is converted
    once, not each row; missing values stay missing."""
    categorical = pd.Categorical(values)
    labels, codes = np.unique(categorical.categories.astype(str), return_inverse=True)
    codes = np.append(codes, -1)[categorical.codes]  # code -1 (missing) picks the appended -1
    return pd.Categorical.from_codes(codes, labels)


def _stage_keys(pipeline_id: pd.Series, stage_id: pd.Series) -> pd.Categorical:
    """``pipeline:stage`` of each row, built once per distinct pair (missing if either is)."""
    pipeline, stage = text_categories(pipeline_id), text_categories(stage_id)
    present = (pipeline.codes >= 0) & (stage.codes >= 0)
    pairs = pipeline.codes.astype(np.int64) * len(stage.categories) + stage.codes
    uniques, inverse = np.unique(pairs[present], return_inverse=True)
    names = [
        f"{pipeline.categories[pair // len(stage.categories)]}:"
        f"{stage.categories[pair % len(stage.categories)]}"
        for pair in uniques.tolist()
    ]
    codes = np.full(len(pairs), -1, dtype=np.int64)
    if not names:
        return pd.Categorical.from_codes(codes, pd.Index([], dtype=str))
    labels, renamed = np.unique(names, return_inverse=True)
    codes[present] = renamed[inverse]
    return pd.Categorical.from_codes(codes, labels.tolist())


def prepare(frame: pd.DataFrame) -> pd.DataFrame:
    """The model's input columns: derived, typed and with missing values made explicit.

    Stage and lead source come out as categories: a text column per row would cost more
    memory than all the numbers at a million snapshots.
    """
    out = pd.DataFrame(index=frame.index)
    out["stage_key"] = _stage_keys(frame["pipeline_id"], frame["stage_id"])
    lead_source = text_categories(frame["lead_source"])
    if "(not set)" not in lead_source.categories:
        lead_source = lead_source.add_categories("(not set)")
    out["lead_source"] = lead_source.fillna("(not set)")
    for column in LOG_FEATURES:
        values = pd.to_numeric(frame[column], errors="coerce").astype(float)
        out[column] = np.log1p(values.clip(lower=0))
    for column in COUNT_FEATURES:
        out[column] = pd.to_numeric(frame[column], errors="coerce").fillna(0).astype(float)
    for column in RATE_FEATURES:
        out[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    since = pd.to_numeric(frame["days_since_last_activity"], errors="coerce").astype(float)
    out["days_since_last_activity"] = np.log1p(since.clip(lower=0))
    for column, flag in MISSING_FLAGS.items():
        out[flag] = out[column].isna().astype(float)
    out["days_since_last_activity"] = out["days_since_last_activity"].fillna(
        np.log1p(NO_ACTIVITY_DAYS)
    )
    out["amount"] = out["amount"].fillna(0.0)
    return out


def numeric_columns() -> list[str]:
    """The numeric inputs after ``prepare`` (scaled), flags included."""
    return [
        *LOG_FEATURES,
        *COUNT_FEATURES,
        *RATE_FEATURES,
        "days_since_last_activity",
        *MISSING_FLAGS.values(),
    ]


def group_of(column: str) -> str:
    """The factor group an input column belongs to (a flag belongs to the feature it flags)."""
    for feature, flag in MISSING_FLAGS.items():
        if column == flag:
            return feature
    return column
