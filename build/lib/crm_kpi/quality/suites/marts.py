"""Expectations on every mart of the KPI catalogue (section 4); failures block publishing.

Written from the catalogue's column lists, so a mart that drops a listed column fails its
check by name. Every mart suite also compares its row count with the previous successful
run (``ROW_COUNT_BAND``). ``mart_manager_monthly`` additionally reconciles its additive
totals with ``mart_manager_daily``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import great_expectations.expectations as gxe
from great_expectations.expectations.expectation import Expectation
from great_expectations.expectations.row_conditions import Column as C
from great_expectations.expectations.row_conditions import Condition

from crm_kpi.quality.suite import (
    Frame,
    Suite,
    grain,
    non_negative,
    null_when,
    one_of,
    present,
    rates,
    within,
)

ROW_COUNT_BAND = 0.5
# DECIMAL(18,2) sums read as floats: allow rounding noise, not a cent more.
MONEY_TOLERANCE = 0.005

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
# Ratio column -> where its denominator is 0 (counts are non-negative, so a sum is 0 when
# each term is).
MONTHLY_RATIOS = {
    "avg_deal_value": C("deals_won") == 0,
    "win_rate": (C("deals_won") == 0) & (C("deals_lost") == 0),
    "avg_days_to_close": C("deals_won") == 0,
    "median_days_to_close": C("deals_won") == 0,
    "call_to_meeting_rate": C("calls_total") == 0,
    "avg_call_seconds": C("calls_answered") == 0,
    "task_on_time_rate": C("tasks_completed") == 0,
}


class Contract(NamedTuple):
    """A mart's value expectations and the columns the catalogue promises."""

    expectations: Callable[[], list[Expectation]]
    columns: tuple[str, ...]


def _contract(
    grain_columns: tuple[str, ...],
    columns: tuple[str, ...] = (),
    counts: tuple[str, ...] = (),
    shares: tuple[str, ...] = (),
    ratios: dict[str, Condition] | None = None,
    enums: dict[str, tuple[str, ...]] | None = None,
    nullable_grain: tuple[str, ...] = (),
    extra: Callable[[], list[Expectation]] = list,
) -> Contract:
    """The expectations of one mart, from its contract in the catalogue."""
    key = ("account_key", *grain_columns)

    def expectations() -> list[Expectation]:
        return [
            *present(key),  # a mart without its grain columns is not published
            *grain(key, not_null=[c for c in key if c not in nullable_grain]),
            *non_negative(counts),
            *rates(shares),
            *(null_when(c, condition) for c, condition in (ratios or {}).items()),
            *(one_of(c, values) for c, values in (enums or {}).items()),
            *extra(),
        ]

    return Contract(expectations, tuple(columns))


def _reconcile_daily_monthly(columns_of: Callable[[str], list[str]]) -> str:
    """One row per manager-month and additive measure: the daily sum and the monthly value."""
    shared = [
        c
        for c in DAILY_ADDITIVE
        if c in columns_of("marts.mart_manager_daily")
        and c in columns_of("marts.mart_manager_monthly")
    ]
    key = "account_key, manager_id, month_start"
    sums = ", ".join(f"sum({c}) as {c}" for c in shared)
    pairs = "\n    union all\n    ".join(
        f"select {key}, '{c}' as measure, d.{c} as daily_total, m.{c} as monthly_total "
        f"from daily_sums as d full outer join monthly as m using ({key})"
        for c in shared
    )
    return f"""
with daily_sums as (
    select account_key, manager_id, cast(date_trunc('month', activity_date) as date) as month_start,
        {sums}
    from marts.mart_manager_daily
    group by 1, 2, 3
),
monthly as (select * from marts.mart_manager_monthly),
measures as (
    {pairs}
)
select *, abs(coalesce(daily_total, 0) - coalesce(monthly_total, 0)) as difference
from measures
"""


def _reconciled() -> list[Expectation]:
    return [within("difference", MONEY_TOLERANCE)]


def _mart(
    table: str,
    contract: Contract,
    frames: tuple[Frame, ...] = (),
    description: str = "",
    row_count_band: float | None = ROW_COUNT_BAND,
) -> Suite:
    """A blocking mart suite with the row-count band against the previous successful run."""
    return Suite(
        table,
        contract.expectations,
        blocking=True,
        contract_columns=contract.columns,
        frames=frames,
        row_count_band=row_count_band,
        description=description,
    )


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

SUITES = [
    _mart(
        "marts.mart_manager_daily",
        _contract(
            ("manager_id", "activity_date"),
            columns=(*DAILY_ADDITIVE, "first_activity_at", "last_activity_at"),
            counts=DAILY_ADDITIVE,
        ),
        description="grain, additive counts and money non-negative",
    ),
    _mart(
        "marts.mart_manager_monthly",
        _contract(
            ("manager_id", "month_start"),
            columns=MONTHLY_COLUMNS,
            counts=MONTHLY_NON_NEGATIVE,
            shares=MONTHLY_RATES,
            ratios=MONTHLY_RATIOS,
        ),
        frames=(Frame("daily totals reconcile", _reconcile_daily_monthly, _reconciled),),
        description="grain, rates in [0, 1], ratios NULL on 0, totals equal mart_manager_daily",
    ),
    # Not in the catalogue's section 4: the monthly KPIs that sum, by Monday week.
    _mart(
        "marts.mart_manager_weekly",
        _contract(
            ("manager_id", "week_start"),
            columns=("manager_name", "team_id", *DAILY_ADDITIVE, *WEEKLY_RATIOS),
            counts=(*DAILY_ADDITIVE, "avg_deal_value", "avg_call_seconds"),
            shares=MONTHLY_RATES,
            ratios={c: MONTHLY_RATIOS[c] for c in WEEKLY_RATIOS},
        ),
        description="grain, additive counts non-negative, rates in [0, 1], ratios NULL on 0",
    ),
    _mart(
        "marts.mart_team_monthly",
        _contract(
            ("team_id", "month_start"),
            columns=(*MONTHLY_NON_NEGATIVE, *MONTHLY_RATES, "call_to_meeting_rate"),
            counts=MONTHLY_NON_NEGATIVE,
            shares=MONTHLY_RATES,
            ratios=MONTHLY_RATIOS,
            nullable_grain=("team_id",),  # NULL team: the whole account
        ),
        description="grain (NULL team = account), rates in [0, 1], ratios NULL on 0",
    ),
    _mart(
        "marts.mart_funnel_stages",
        _contract(
            ("pipeline_id", "stage_id", "cohort_month"),
            columns=(
                "stage_name",
                "stage_sort",
                "deals_reached",
                "deals_reached_next",
                "conversion_to_next",
                "deals_lost_at_stage",
                "drop_off_rate",
                "avg_hours_in_stage",
                "median_hours_in_stage",
            ),
            counts=(
                "deals_reached",
                "deals_reached_next",
                "deals_lost_at_stage",
                "avg_hours_in_stage",
                "median_hours_in_stage",
            ),
            shares=("conversion_to_next", "drop_off_rate"),
            ratios={
                "conversion_to_next": C("deals_reached") == 0,
                "drop_off_rate": C("deals_reached") == 0,
            },
        ),
        description="grain, conversions in [0, 1] and NULL without deals",
    ),
    _mart(
        "marts.mart_lead_sources_monthly",
        _contract(
            ("lead_source", "month_start"),
            columns=(
                "deals_created",
                "deals_won",
                "revenue",
                "cohort_conversion_rate",
                "marketing_spend",
                "cac",
                "romi",
            ),
            counts=("deals_created", "deals_won", "revenue", "marketing_spend", "cac"),
            shares=("cohort_conversion_rate",),
            ratios={
                "cohort_conversion_rate": C("deals_created") == 0,
                "cac": C("deals_won") == 0,
                "romi": C("marketing_spend") == 0,
            },
            nullable_grain=("lead_source",),
        ),
        description="grain, cohort conversion in [0, 1], CAC and ROMI NULL without a base",
    ),
    _mart(
        "marts.mart_plan_vs_fact",
        _contract(
            ("manager_id", "month_start", "metric"),
            columns=(
                "target",
                "actual",
                "attainment",
                "expected_to_date",
                "run_rate_forecast",
                "status",
            ),
            counts=("target", "actual", "attainment", "expected_to_date", "run_rate_forecast"),
            ratios={"attainment": C("target") == 0},
            enums={"status": ("ahead", "on_track", "behind")},
        ),
        description="grain, non-negative plan and fact, attainment NULL without a target",
    ),
    _mart(
        "marts.mart_manager_workload_daily",
        _contract(
            ("manager_id", "date_day"),
            columns=(
                "open_deals",
                "open_pipeline_amount",
                "open_tasks",
                "overdue_open_tasks",
                "deals_without_open_task",
            ),
            counts=(
                "open_deals",
                "open_pipeline_amount",
                "open_tasks",
                "overdue_open_tasks",
                "deals_without_open_task",
            ),
        ),
        description="grain, non-negative workload",
    ),
    _mart(
        "marts.mart_manager_workday",
        _contract(
            ("manager_id", "work_date"),
            columns=(
                "first_activity_at_local",
                "last_activity_at_local",
                "active_span_hours",
                "activities",
                "longest_gap_minutes",
            ),
            counts=("active_span_hours", "activities", "longest_gap_minutes"),
            extra=lambda: [
                gxe.ExpectColumnValuesToBeBetween(
                    column="active_span_hours", min_value=0, max_value=24
                )
            ],
        ),
        description="grain, a working day spans 0 to 24 hours",
    ),
    _mart(
        "marts.mart_revenue_forecast",
        _contract(
            ("pipeline_id", "month_start"),
            columns=(
                "won_to_date",
                "weighted_open_pipeline",
                "expected_in_month",
                "forecast_revenue",
                "is_complete_period",
                "backtest_mape",
                "naive_mape",
            ),
            counts=(
                "won_to_date",
                "weighted_open_pipeline",
                "expected_in_month",
                "forecast_revenue",
                "backtest_mape",
                "naive_mape",
            ),
            nullable_grain=("pipeline_id",),
            extra=lambda: [
                gxe.ExpectColumnValuesToNotBeNull(column="forecast_revenue"),
                gxe.ExpectColumnValuesToNotBeNull(column="is_complete_period"),
            ],
        ),
        description="grain (pipeline NULL = account), forecast never NULL, money and errors >= 0",
    ),
    _mart(
        "marts.mart_deal_scores",
        _contract(
            ("deal_id",),
            columns=(
                "stage_win_probability",
                "win_probability",
                "win_probability_source",
                "expected_close_date",
                "days_open",
                "days_in_current_stage",
                "is_stalled",
                "top_factors",
                "top_factors_ru",
            ),
            counts=("days_open", "days_in_current_stage", "expected_value"),
            shares=("stage_win_probability", "win_probability"),
            enums={"win_probability_source": ("model", "stage")},
            extra=lambda: [
                gxe.ExpectColumnValuesToNotBeNull(column="win_probability_source"),
                gxe.ExpectColumnValuesToNotBeNull(column="top_factors"),
            ],
        ),
        description="one row per open deal, probabilities in [0, 1], source model or stage",
    ),
    _mart(
        "marts.mart_win_model_quality",
        _contract(
            ("pipeline_id",),
            columns=(
                "trained_at",
                "n_train",
                "n_test",
                "model_auc",
                "model_brier",
                "baseline_auc",
                "baseline_brier",
                "cutoff_date",
            ),
            counts=("n_train", "n_test"),
            shares=("model_auc", "model_brier", "baseline_auc", "baseline_brier"),
            enums={"win_probability_source": ("model", "stage")},
            nullable_grain=("pipeline_id",),
        ),
        description="grain (pipeline NULL = account), AUC and Brier in [0, 1]",
    ),
    _mart(
        "marts.mart_activity_kpi_correlation",
        _contract(
            ("activity_metric", "outcome_metric"),
            columns=("n_observations", "pearson_r", "p_value"),
            counts=("n_observations",),
            shares=("p_value",),
            ratios={"pearson_r": C("n_observations") < 8},
            extra=lambda: [
                gxe.ExpectColumnValuesToBeBetween(column="pearson_r", min_value=-1, max_value=1)
            ],
        ),
        description="grain, r in [-1, 1], p in [0, 1], r NULL under 8 observations",
    ),
    _mart(
        "marts.mart_kpi_period_comparison",
        _contract(
            ("manager_id", "kpi", "period_grain", "period_start"),
            columns=("value", "previous_value", "abs_change", "pct_change", "year_ago_value"),
            ratios={"pct_change": C("previous_value") == 0},
            nullable_grain=("manager_id",),  # NULL manager: the whole account
        ),
        description="grain (NULL manager = account), change NULL against a zero base",
    ),
    _mart(
        "marts.mart_kpi_alerts",
        _contract(
            ("alert_id",),
            columns=(
                "detected_date",
                "alert_type",
                "manager_id",
                "pipeline_id",
                "stage_id",
                "metric_value",
                "baseline_value",
                "severity",
                "message",
            ),
            enums={
                "alert_type": (
                    "stage_conversion_drop",
                    "manager_overloaded",
                    "untouched_deals",
                    "overdue_tasks",
                    "activity_drop",
                )
            },
        ),
        description="one row per alert, known alert types",
        row_count_band=None,  # zero alerts tonight after fifty yesterday is good news
    ),
    _mart(
        "marts.mart_customer_value",
        _contract(
            ("customer_id",),
            columns=(
                "customer_type",
                "first_won_at",
                "last_won_at",
                "deals_won",
                "revenue_total",
                "avg_deal_value",
                "predicted_cltv",
            ),
            counts=("deals_won", "revenue_total", "avg_deal_value", "predicted_cltv"),
            ratios={"avg_deal_value": C("deals_won") == 0},
        ),
        description="one row per customer, non-negative value",
    ),
]
