"""``describe_frame`` reads only ``PHRASE_COLUMNS``: the words are those of the whole row."""

from __future__ import annotations

import pandas as pd

from crm_kpi.transform.forecasting.factors import (
    PHRASES,
    describe,
    describe_frame,
    describe_stage_only,
)


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "deal_id": ["1", "2"],
            "deal_name": ["a", "b"],
            "stage_name": ["Переговоры", None],
            "stage_id": ["10", "11"],
            "lead_source": ["site", None],
            "amount": [125000.0, None],
            "days_open": [12, 3],
            "days_in_stage": [4, 1],
            "first_response_hours": [2.5, None],
            "days_since_last_activity": [1.0, None],
            "manager_win_rate_90d": [0.4, None],
            "stage_win_probability": [0.35, 0.1],
            "activities_14d": [3, 0],
            "activities_30d": [7, 0],
            "outbound_calls_30d": [2, 0],
            "inbound_30d": [1, 0],
            "meetings_30d": [1, 0],
            "unrelated": ["x", "y"],
        }
    )


def test_words_equal_those_of_the_whole_row() -> None:
    frame = _frame()
    effects = pd.DataFrame(
        [[0.1 * (i + 1) * (-1) ** i for i in range(len(PHRASES))]] * 2, columns=list(PHRASES)
    )
    rows = frame.to_dict("records")
    expected = [describe(row, dict(zip(PHRASES, effects.iloc[0], strict=True))) for row in rows]
    english, russian = describe_frame(frame, effects)
    assert list(zip(english, russian, strict=True)) == expected
    stage_en, stage_ru = describe_frame(frame, None)
    assert list(zip(stage_en, stage_ru, strict=True)) == [describe_stage_only(r) for r in rows]
