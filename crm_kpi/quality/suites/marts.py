"""Expectations on every mart of the KPI catalogue (section 4); failures block publishing.

One owner per rule (contract C4): dbt tests the marts' structure (grain, not-null, accepted
values, contracts); GX their KPI values from the manifest's ``meta.kpi`` (``kpi_rules``; the
hand-written ``mart_values`` only for a mart without it yet), the row count against the last
passing run and monthly totals = daily sums. The win model's marts (not dbt's) keep their
grain and enums here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING

from crm_kpi.quality.gx import Column as C
from crm_kpi.quality.gx import expectations as gxe
from crm_kpi.quality.kpi_rules import KpiRule, range_expectations, ratio_frame
from crm_kpi.quality.suite import Frame, Suite, present, within
from crm_kpi.quality.suites.mart_values import (
    DAILY_ADDITIVE,
    MONTHLY_COLUMNS,
    MONTHLY_NON_NEGATIVE,
    MONTHLY_RATES,
    WEEKLY_RATIOS,
    Contract,
    mart_contract,
    monthly_ratios,
)

if TYPE_CHECKING:
    from great_expectations.expectations.expectation import Expectation

ROW_COUNT_BAND = 0.5
# DECIMAL(18,2) sums read as floats: allow rounding noise, not a cent more.
MONEY_TOLERANCE = 0.005


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
    dbt_tested: bool = True,
    rules: Mapping[str, dict[str, KpiRule]] | None = None,
) -> Suite:
    """A blocking mart suite: value rules from ``meta.kpi`` (else ``contract.values``), the
    derived frames and the row-count band; grain and enums only if dbt does not test them."""
    kpis = (rules or {}).get(table)

    def expectations() -> list[Expectation]:
        return [
            *present(contract.key),  # a mart without its grain columns is not published
            *([] if dbt_tested else contract.structure()),
            *(range_expectations(kpis) if kpis else contract.values()),
        ]

    has_ratios = bool(kpis) and any(rule.is_ratio for rule in kpis.values())
    derived = (*frames, ratio_frame(table, kpis)) if has_ratios else frames
    return Suite(
        table,
        expectations,
        blocking=True,
        contract_columns=() if kpis else contract.columns,  # then dbt's enforced contract
        key=contract.key,
        frames=derived,
        row_count_band=row_count_band,
        description=description,
    )


def suites(rules: Mapping[str, dict[str, KpiRule]] | None = None) -> list[Suite]:
    """The mart suites, with the KPI rules of the manifest (``kpi_rules.manifest_rules``)."""
    mart = partial(_mart, rules=rules)
    return [
        mart(
            "marts.mart_manager_daily",
            mart_contract(
                ("manager_id", "activity_date"),
                columns=(*DAILY_ADDITIVE, "first_activity_at", "last_activity_at"),
                counts=DAILY_ADDITIVE,
            ),
            description="grain, additive counts and money non-negative",
        ),
        mart(
            "marts.mart_manager_monthly",
            mart_contract(
                ("manager_id", "month_start"),
                columns=MONTHLY_COLUMNS,
                counts=MONTHLY_NON_NEGATIVE,
                shares=MONTHLY_RATES,
                ratios=monthly_ratios,
            ),
            frames=(Frame("daily totals reconcile", _reconcile_daily_monthly, _reconciled),),
            description="grain, rates in [0, 1], ratios NULL on 0, totals equal mart_manager_daily",
        ),
        # Not in the catalogue's section 4: the monthly KPIs that sum, by Monday week.
        mart(
            "marts.mart_manager_weekly",
            mart_contract(
                ("manager_id", "week_start"),
                columns=("manager_name", "team_id", *DAILY_ADDITIVE, *WEEKLY_RATIOS),
                counts=(*DAILY_ADDITIVE, "avg_deal_value", "avg_call_seconds"),
                shares=MONTHLY_RATES,
                ratios=lambda: {c: monthly_ratios()[c] for c in WEEKLY_RATIOS},
            ),
            description="grain, additive counts non-negative, rates in [0, 1], ratios NULL on 0",
        ),
        mart(
            "marts.mart_team_monthly",
            mart_contract(
                ("team_id", "month_start"),
                columns=(*MONTHLY_NON_NEGATIVE, *MONTHLY_RATES, "call_to_meeting_rate"),
                counts=MONTHLY_NON_NEGATIVE,
                shares=MONTHLY_RATES,
                ratios=monthly_ratios,
                nullable_grain=("team_id",),  # NULL team: the whole account
            ),
            description="grain (NULL team = account), rates in [0, 1], ratios NULL on 0",
        ),
        mart(
            "marts.mart_funnel_stages",
            mart_contract(
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
                ratios=lambda: {
                    "conversion_to_next": C("deals_reached") == 0,
                    "drop_off_rate": C("deals_reached") == 0,
                },
            ),
            description="grain, conversions in [0, 1] and NULL without deals",
        ),
        mart(
            "marts.mart_lead_sources_monthly",
            mart_contract(
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
                ratios=lambda: {
                    "cohort_conversion_rate": C("deals_created") == 0,
                    "cac": C("deals_won") == 0,
                    "romi": C("marketing_spend") == 0,
                },
                nullable_grain=("lead_source",),
            ),
            description="grain, cohort conversion in [0, 1], CAC and ROMI NULL without a base",
        ),
        mart(
            "marts.mart_plan_vs_fact",
            mart_contract(
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
                ratios=lambda: {"attainment": C("target") == 0},
            ),
            description="grain, non-negative plan and fact, attainment NULL without a target",
        ),
        mart(
            "marts.mart_manager_workload_daily",
            mart_contract(
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
        mart(
            "marts.mart_manager_workday",
            mart_contract(
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
        mart(
            "marts.mart_revenue_forecast",
            mart_contract(
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
            ),
            description="money and forecast errors >= 0",
        ),
        mart(
            "marts.mart_deal_scores",
            mart_contract(
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
            dbt_tested=False,
        ),
        mart(
            "marts.mart_win_model_quality",
            mart_contract(
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
            dbt_tested=False,
        ),
        mart(
            "marts.mart_activity_kpi_correlation",
            mart_contract(
                ("activity_metric", "outcome_metric"),
                columns=("n_observations", "pearson_r", "p_value"),
                counts=("n_observations",),
                shares=("p_value",),
                ratios=lambda: {"pearson_r": C("n_observations") < 8},
                extra=lambda: [
                    gxe.ExpectColumnValuesToBeBetween(column="pearson_r", min_value=-1, max_value=1)
                ],
            ),
            description="grain, r in [-1, 1], p in [0, 1], r NULL under 8 observations",
        ),
        mart(
            "marts.mart_kpi_period_comparison",
            mart_contract(
                ("manager_id", "kpi", "period_grain", "period_start"),
                columns=("value", "previous_value", "abs_change", "pct_change", "year_ago_value"),
                ratios=lambda: {"pct_change": C("previous_value") == 0},
                nullable_grain=("manager_id",),  # NULL manager: the whole account
            ),
            description="grain (NULL manager = account), change NULL against a zero base",
        ),
        mart(
            "marts.mart_kpi_alerts",
            mart_contract(
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
            ),
            description="one row per alert, known alert types",
            row_count_band=None,  # zero alerts tonight after fifty yesterday is good news
        ),
        mart(
            "marts.mart_customer_value",
            mart_contract(
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
                ratios=lambda: {"avg_deal_value": C("deals_won") == 0},
            ),
            description="one row per customer, non-negative value",
        ),
    ]
