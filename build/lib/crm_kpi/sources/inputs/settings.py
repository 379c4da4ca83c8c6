"""The shape of the CSV inputs of KPI catalogue section 5 (sales plan, marketing spend)."""

from __future__ import annotations

SALES_PLAN_TABLE = "sales_plan"
MARKETING_SPEND_TABLE = "marketing_spend"
REJECTIONS_TABLE = "input_rejections"

# Metrics a plan may target: columns of mart_manager_monthly (the mart_plan_vs_fact list).
PLAN_METRICS = frozenset(
    {
        "revenue",
        "deals_won",
        "deals_created",
        "deals_lost",
        "calls_total",
        "calls_outbound",
        "calls_answered",
        "meetings_held",
        "emails_sent",
        "tasks_completed",
        "notes_created",
    }
)

SALES_PLAN_REQUIRED = ("account_key", "month", "metric", "target")
MARKETING_SPEND_REQUIRED = ("account_key", "lead_source", "month", "spend")
