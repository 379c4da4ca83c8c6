"""A deal's score in words: the two features that move its probability most (English, Russian)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import pandas as pd

Phrase = Callable[[Mapping[str, object]], tuple[str, str]]


def _number(value: object) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _int(row: Mapping[str, object], column: str) -> int:
    return round(_number(row.get(column)) or 0)


def _percent(value: object) -> str:
    number = _number(value)
    return "n/a" if number is None else f"{number:.0%}"


def _stage(row: Mapping[str, object]) -> tuple[str, str]:
    name = row.get("stage_name") or row.get("stage_id")
    return f"stage “{name}”", f"этап «{name}»"


def _amount(row: Mapping[str, object]) -> tuple[str, str]:
    amount = f"{_number(row.get('amount')) or 0:,.0f}".replace(",", " ")
    return f"amount {amount}", f"сумма {amount}"


def _first_response(row: Mapping[str, object]) -> tuple[str, str]:
    hours = _number(row.get("first_response_hours"))
    if hours is None:
        return "no first contact yet", "клиенту ещё не ответили"
    return f"first response after {hours:.0f} h", f"первый ответ через {hours:.0f} ч"


def _last_activity(row: Mapping[str, object]) -> tuple[str, str]:
    days = _number(row.get("days_since_last_activity"))
    if days is None:
        return "no activity yet", "действий ещё не было"
    return f"last activity {days:.0f} days ago", f"последнее действие {days:.0f} дн. назад"


def _manager(row: Mapping[str, object]) -> tuple[str, str]:
    rate = row.get("manager_win_rate_90d")
    if _number(rate) is None:
        return "manager closed no deal in 90 days", "менеджер не закрыл сделок за 90 дней"
    share = _percent(rate)
    return f"manager's 90-day win rate {share}", f"конверсия менеджера за 90 дней {share}"


PHRASES: dict[str, Phrase] = {
    "stage_key": _stage,
    "lead_source": lambda row: (
        f"lead source “{row.get('lead_source')}”",
        f"источник «{row.get('lead_source')}»",
    ),
    "amount": _amount,
    "days_open": lambda row: (
        f"open for {_int(row, 'days_open')} days",
        f"открыта {_int(row, 'days_open')} дн.",
    ),
    "days_in_stage": lambda row: (
        f"{_int(row, 'days_in_stage')} days in the current stage",
        f"{_int(row, 'days_in_stage')} дн. на текущем этапе",
    ),
    "first_response_hours": _first_response,
    "days_since_last_activity": _last_activity,
    "manager_win_rate_90d": _manager,
    "stage_win_probability": lambda row: (
        f"stage win rate {_percent(row.get('stage_win_probability'))}",
        f"конверсия этапа {_percent(row.get('stage_win_probability'))}",
    ),
    "activities_14d": lambda row: (
        f"{_int(row, 'activities_14d')} activities in the last 14 days",
        f"{_int(row, 'activities_14d')} действий за 14 дней",
    ),
    "activities_30d": lambda row: (
        f"{_int(row, 'activities_30d')} activities in the last 30 days",
        f"{_int(row, 'activities_30d')} действий за 30 дней",
    ),
    "outbound_calls_30d": lambda row: (
        f"{_int(row, 'outbound_calls_30d')} outbound calls in 30 days",
        f"{_int(row, 'outbound_calls_30d')} исходящих звонков за 30 дней",
    ),
    "inbound_30d": lambda row: (
        f"{_int(row, 'inbound_30d')} inbound calls and e-mails in 30 days",
        f"{_int(row, 'inbound_30d')} входящих звонков и писем за 30 дней",
    ),
    "meetings_30d": lambda row: (
        f"{_int(row, 'meetings_30d')} meetings in 30 days",
        f"{_int(row, 'meetings_30d')} встреч за 30 дней",
    ),
}
# The columns the phrases read: ``describe_frame`` turns only these into per-row dicts.
PHRASE_COLUMNS = (
    "stage_name",
    "stage_id",
    "lead_source",
    "amount",
    "days_open",
    "days_in_stage",
    "first_response_hours",
    "days_since_last_activity",
    "manager_win_rate_90d",
    "stage_win_probability",
    "activities_14d",
    "activities_30d",
    "outbound_calls_30d",
    "inbound_30d",
    "meetings_30d",
)
DIRECTION = {True: ("raises the chance", "повышает шансы"), False: ("lowers it", "снижает шансы")}


def describe(
    row: Mapping[str, object], effects: Mapping[str, float], top: int = 2
) -> tuple[str, str]:
    """The ``top`` factors with the largest effect on this deal's score, in English and Russian."""
    ranked = sorted(effects.items(), key=lambda item: (-abs(item[1]), item[0]))[:top]
    english, russian = [], []
    for group, effect in ranked:
        en, ru = PHRASES[group](row)
        direction_en, direction_ru = DIRECTION[effect > 0]
        english.append(f"{en} ({direction_en})")
        russian.append(f"{ru} ({direction_ru})")
    return "; ".join(english), "; ".join(russian)


def describe_stage_only(row: Mapping[str, object]) -> tuple[str, str]:
    """Words for a score that is the stage win probability alone."""
    stage_en, stage_ru = _stage(row)
    share = _percent(row.get("stage_win_probability"))
    return (
        f"{stage_en}: {share} of the deals that reached it were won (stage-only score)",
        f"{stage_ru}: выиграно {share} сделок, дошедших до него (оценка по этапу)",
    )


def describe_frame(
    frame: pd.DataFrame, effects: pd.DataFrame | None
) -> tuple[list[str], list[str]]:
    """``describe`` (with effects) or ``describe_stage_only`` for every row of ``frame``."""
    # Only the columns the phrases read: a features row has ~40, and to_dict costs per cell.
    rows = frame[[column for column in PHRASE_COLUMNS if column in frame]].to_dict("records")
    if effects is None:
        pairs = [describe_stage_only(row) for row in rows]
    else:
        # One dict per row from the effect matrix (a row lookup by index costs more than its words).
        names = effects.columns.tolist()
        pairs = [
            describe(row, dict(zip(names, values, strict=True)))
            for row, values in zip(rows, effects.to_numpy().tolist(), strict=True)
        ]
    return [en for en, _ in pairs], [ru for _, ru in pairs]
