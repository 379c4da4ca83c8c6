"""Hand-written KPI value rules of the marts, used only while the manifest lacks ``meta.kpi``.

Once the mart YAML declares ``meta.kpi`` (contract C4), ``crm_kpi.quality.kpi_rules`` derives
the ranges and ratios from it and these lists are not used for that mart (nothing is checked
twice); this module can then go. The grain and enums here are checked by GX only for the
marts dbt does not test (those the win model writes).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from crm_kpi.quality.gx import Column as C
from crm_kpi.quality.suite import grain, non_negative, null_when, one_of, rates

if TYPE_CHECKING:
    from great_expectations.expectations.expectation import Expectation
    from great_expectations.expectations.row_conditions import Condition

DAILY_ADDITIVE = (
    "deals_created",
    "deals_won",
    "revenue",
    "deals_lost",
    "calls_total",
    "calls_outbound",
    "calls_inbound",
    "calls_answered",
    "calls_missed",
    "call_duration_seconds",
    "meetings_held",
    "emails_sent",
    "emails_received",
    "tasks_created",
    "tasks_completed",
    "tasks_completed_on_time",
    "tasks_overdue",
    "notes_created",
)
MONTHLY_NON_NEGATIVE = (
    *DAILY_ADDITIVE,
    "deals_without_contact",
    "open_deals_end",
    "open_pipeline_amount_end",
    "weighted_pipeline_end",
    "avg_deal_value",
    "avg_days_to_close",
    "median_days_to_close",
    "avg_call_seconds",
    "median_first_response_minutes",
    "avg_first_response_minutes",
)
MONTHLY_RATES = ("win_rate", "win_rate_amount", "task_on_time_rate")


def monthly_ratios() -> dict[str, Condition]:
    """Ratio column -> where its denominator is 0 (counts are non-negative, so a sum is 0 when
    each term is); built when a suite's expectations are, as GX is imported only then."""
    return {
        "avg_deal_value": C("deals_won") == 0,
        "win_rate": (C("deals_won") == 0) & (C("deals_lost") == 0),
        "avg_days_to_close": C("deals_won") == 0,
        "median_days_to_close": C("deals_won") == 0,
        "call_to_meeting_rate": C("calls_total") == 0,
        "avg_call_seconds": C("calls_answered") == 0,
        "task_on_time_rate": C("tasks_completed") == 0,
    }


class Contract(NamedTuple):
    """A mart's grain, its hand-written value rules and the columns the catalogue promises."""

    key: tuple[str, ...]
    structure: Callable[[], list[Expectation]]
    values: Callable[[], list[Expectation]]
    columns: tuple[str, ...]


def mart_contract(
    grain_columns: tuple[str, ...],
    columns: tuple[str, ...] = (),
    counts: tuple[str, ...] = (),
    shares: tuple[str, ...] = (),
    ratios: Callable[[], dict[str, Condition]] | None = None,
    enums: dict[str, tuple[str, ...]] | None = None,
    nullable_grain: tuple[str, ...] = (),
    extra: Callable[[], list[Expectation]] = list,
) -> Contract:
    """One mart's rules: ``structure`` (grain, enums: for marts dbt does not test) and
    ``values`` (counts, shares, ratios, ``extra`` ranges: until the manifest has meta.kpi)."""
    key = ("account_key", *grain_columns)

    def structure() -> list[Expectation]:
        return [
            *grain(key, not_null=[c for c in key if c not in nullable_grain]),
            *(one_of(c, values) for c, values in (enums or {}).items()),
        ]

    def values() -> list[Expectation]:
        return [
            *non_negative(counts),
            *rates(shares),
            *(null_when(c, condition) for c, condition in (ratios() if ratios else {}).items()),
            *extra(),
        ]

    return Contract(key, structure, values, tuple(columns))


WEEKLY_RATIOS = (
    "avg_deal_value",
    "win_rate",
    "avg_call_seconds",
    "call_to_meeting_rate",
    "task_on_time_rate",
)
MONTHLY_COLUMNS = (
    "team_id",
    "manager_name",
    *MONTHLY_NON_NEGATIVE,
    *MONTHLY_RATES,
    "call_to_meeting_rate",
)
