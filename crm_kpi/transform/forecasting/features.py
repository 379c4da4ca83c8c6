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


def load_features(warehouse: Warehouse, account_key: str | None = None) -> pd.DataFrame:
    """Every row of the features table (one account, or all), read-only."""
    query = f"select * from {FEATURES_TABLE}"
    params: dict[str, str] = {}
    if account_key is not None:
        query += " where account_key = :account_key"
        params["account_key"] = account_key
    query += " order by account_key, known_before, deal_id"
    return read_frame(warehouse, query, params)


def prepare(frame: pd.DataFrame) -> pd.DataFrame:
    """The model's input columns: derived, typed and with missing values made explicit."""
    out = pd.DataFrame(index=frame.index)
    out["stage_key"] = frame["pipeline_id"].astype(str) + ":" + frame["stage_id"].astype(str)
    out["lead_source"] = frame["lead_source"].fillna("(not set)").astype(str)
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
