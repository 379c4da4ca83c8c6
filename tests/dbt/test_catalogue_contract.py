"""Each table of KPI catalogue sections 2 and 4 is a model whose YAML documents its columns.

The lists below are copied from ``shared/docs/kpi_catalogue.md`` (the contract with BI users
and with the Great Expectations suites). Together with ``test_built_columns_equal_documented_
columns`` (built columns == YAML columns) this pins every catalogue column to the warehouse.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "crm_kpi" / "transform" / "dbt_project"

MONTHLY_KPIS = [
    "deals_created", "deals_won", "revenue", "deals_lost", "avg_deal_value", "win_rate",
    "win_rate_amount", "avg_days_to_close", "median_days_to_close", "calls_total",
    "calls_outbound", "calls_inbound", "calls_answered", "calls_missed",
    "call_duration_seconds", "avg_call_seconds", "meetings_held", "call_to_meeting_rate",
    "emails_sent", "emails_received", "tasks_created", "tasks_completed",
    "tasks_completed_on_time", "tasks_overdue", "task_on_time_rate",
    "median_first_response_minutes", "avg_first_response_minutes", "deals_without_contact",
    "open_deals_end", "open_pipeline_amount_end", "weighted_pipeline_end",
    "cohort_conversion_rate",
]  # fmt: skip

CATALOGUE = {
    # section 2
    "dim_managers": [
        "account_key", "manager_id", "manager_name", "email", "team_id", "team_name", "is_active",
    ],
    "dim_pipeline_stages": [
        "account_key", "pipeline_id", "stage_id", "pipeline_name", "stage_name", "stage_sort",
        "stage_type", "is_main_pipeline",
    ],
    "dim_dates": ["date_day", "week_start", "month_start", "quarter_start", "year", "is_weekend"],
    "fct_deals": [
        "account_key", "deal_id", "deal_name", "pipeline_id", "stage_id", "status", "amount",
        "created_at", "created_date", "closed_at", "closed_date", "days_to_close", "manager_id",
        "closing_manager_id", "creating_manager_id", "lead_source", "loss_reason", "contact_id",
        "company_id", "is_deleted", "amount_original", "currency_original",
    ],
    "fct_deal_stage_transitions": [
        "account_key", "deal_id", "transition_seq", "from_stage_id", "to_stage_id",
        "from_pipeline_id", "to_pipeline_id", "changed_at", "manager_id", "hours_in_from_stage",
    ],
    "fct_activities": [
        "account_key", "activity_id", "activity_type", "direction", "manager_id", "occurred_at",
        "occurred_date", "deal_id", "contact_id", "duration_seconds", "outcome", "is_completed",
        "due_at", "completed_at",
    ],
    # section 4
    "mart_manager_daily": [
        "account_key", "manager_id", "activity_date", "deals_created", "deals_won", "revenue",
        "deals_lost", "calls_total", "calls_outbound", "calls_inbound", "calls_answered",
        "calls_missed", "call_duration_seconds", "meetings_held", "emails_sent",
        "emails_received", "tasks_created", "tasks_completed", "tasks_completed_on_time",
        "tasks_overdue", "notes_created", "first_activity_at", "last_activity_at",
    ],
    "mart_manager_monthly": [
        "account_key", "manager_id", "month_start", "team_id", "manager_name", *MONTHLY_KPIS,
    ],
    "mart_team_monthly": ["account_key", "team_id", "month_start", *MONTHLY_KPIS],
    "mart_funnel_stages": [
        "account_key", "pipeline_id", "stage_id", "cohort_month", "stage_name", "stage_sort",
        "deals_reached", "deals_reached_next", "conversion_to_next", "deals_lost_at_stage",
        "drop_off_rate", "avg_hours_in_stage", "median_hours_in_stage",
    ],
    "mart_lead_sources_monthly": [
        "account_key", "lead_source", "month_start", "deals_created", "deals_won", "revenue",
        "cohort_conversion_rate", "marketing_spend", "cac", "romi",
    ],
    "mart_plan_vs_fact": [
        "account_key", "manager_id", "month_start", "metric", "target", "actual", "attainment",
        "expected_to_date", "run_rate_forecast", "status",
    ],
    "mart_manager_workload_daily": [
        "account_key", "manager_id", "date_day", "open_deals", "open_pipeline_amount",
        "open_tasks", "overdue_open_tasks", "deals_without_open_task",
    ],
    "mart_manager_workday": [
        "account_key", "manager_id", "work_date", "first_activity_at_local",
        "last_activity_at_local", "active_span_hours", "activities", "longest_gap_minutes",
    ],
    "mart_revenue_forecast": [
        "account_key", "pipeline_id", "month_start", "won_to_date", "weighted_open_pipeline",
        "expected_in_month", "forecast_revenue", "is_complete_period", "backtest_mape",
        "naive_mape",
    ],
    "mart_deal_scores": [
        "account_key", "deal_id", "stage_win_probability", "win_probability",
        "win_probability_source", "expected_close_date", "days_open", "days_in_current_stage",
        "is_stalled", "top_factors",
    ],
    "mart_win_model_quality": [
        "account_key", "pipeline_id", "trained_at", "n_train", "n_test", "model_auc",
        "model_brier", "baseline_auc", "baseline_brier", "cutoff_date",
    ],
    "mart_activity_kpi_correlation": [
        "account_key", "activity_metric", "outcome_metric", "n_observations", "pearson_r",
        "p_value",
    ],
    "mart_kpi_period_comparison": [
        "account_key", "manager_id", "kpi", "period_grain", "period_start", "value",
        "previous_value", "abs_change", "pct_change", "year_ago_value",
    ],
    "mart_kpi_alerts": [
        "account_key", "alert_id", "detected_date", "alert_type", "manager_id", "pipeline_id",
        "stage_id", "metric_value", "baseline_value", "severity", "message",
    ],
    "mart_customer_value": [
        "account_key", "customer_id", "customer_type", "first_won_at", "last_won_at", "deals_won",
        "revenue_total", "avg_deal_value", "predicted_cltv",
    ],
}  # fmt: skip


def _documented() -> dict[str, list[str]]:
    models: dict[str, list[str]] = {}
    for layer in ("core", "marts"):
        for path in (DBT_PROJECT_DIR / "models" / layer).glob("*.yml"):
            document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for model in document.get("models") or []:
                models[model["name"]] = [column["name"] for column in model.get("columns") or []]
            # Marts written outside dbt (the win model) are documented as dbt sources.
            for source in document.get("sources") or []:
                for table in source.get("tables") or []:
                    models[table["name"]] = [c["name"] for c in table.get("columns") or []]
    return models


DOCUMENTED = _documented()


@pytest.mark.parametrize("model", sorted(CATALOGUE))
def test_catalogue_columns_are_documented(model: str) -> None:
    assert model in DOCUMENTED, f"{model} (KPI catalogue) has no model YAML"
    missing = [column for column in CATALOGUE[model] if column not in DOCUMENTED[model]]
    assert not missing, f"{model} lacks catalogue columns {missing}"


@pytest.mark.parametrize("model", sorted(name for name in CATALOGUE if name.startswith("mart_")))
def test_every_mart_has_a_grain_test_and_questions_for_bi_users(model: str) -> None:
    path = DBT_PROJECT_DIR / "models" / "marts" / f"{model}.yml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    written_by_win_model = [
        table
        for source in document.get("sources") or []
        for table in source.get("tables") or []
        if table["name"] == model
    ]
    if written_by_win_model:  # its grain is checked by its GX suite (no table at dbt build)
        assert "Grain:" in written_by_win_model[0]["description"], model
        return
    (entry,) = [m for m in document["models"] if m["name"] == model]
    tests = [
        next(iter(test)) if isinstance(test, dict) else test for test in entry.get("data_tests", [])
    ]
    assert "unique_combination_of_columns" in tests or any(
        "unique" in (column.get("data_tests") or []) for column in entry["columns"]
    ), f"{model} has no grain test"
    assert "Grain:" in entry["description"], model


def test_every_kpi_of_section_3_has_a_unit_test() -> None:
    """Each KPI column appears in the `expect` rows of at least one dbt unit test."""
    kpi_columns = set(MONTHLY_KPIS) | {
        "stage_win_probability", "attainment", "run_rate_forecast", "cac", "romi",
        "revenue_total", "predicted_cltv", "cohort_conversion_rate", "weighted_pipeline_end",
    }  # fmt: skip
    expected: set[str] = set()
    for path in (DBT_PROJECT_DIR / "models").rglob("*.yml"):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for unit_test in document.get("unit_tests") or []:
            for row in (unit_test.get("expect") or {}).get("rows") or []:
                if isinstance(row, dict):
                    expected.update(row)
    assert not kpi_columns - expected, sorted(kpi_columns - expected)
