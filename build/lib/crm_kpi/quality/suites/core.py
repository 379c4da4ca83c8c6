"""Expectations on the core models: grain, relationships, time order, non-negative money.

Warnings: a broken fact shows in the marts built on it, whose checks block publishing.
"""

from __future__ import annotations

from collections.abc import Callable

from great_expectations.expectations.expectation import Expectation
from great_expectations.expectations.row_conditions import Column

from crm_kpi.quality.suite import (
    Frame,
    Suite,
    always_true,
    grain,
    non_negative,
    null_when,
    one_of,
    present,
    required,
    required_when,
)

ACTIVITY_TYPES = ("call", "email", "meeting", "task", "note", "chat_message")
DEAL_STATUSES = ("open", "won", "lost")


def _known(name: str, child: str, parent: str, columns: tuple[str, ...]) -> Frame:
    """Every reference of ``child`` (by ``columns``, all non-NULL) exists in ``parent``."""
    keys = ("account_key", *columns)
    join = " and ".join(f"p.{c} = c.{c}" for c in keys)
    sql = (
        f"select {', '.join(f'c.{c}' for c in keys)}, "
        f"p.{columns[-1]} is not null as is_known "
        f"from {child} as c left join (select distinct {', '.join(keys)} from {parent}) as p "
        f"on {join} where " + " and ".join(f"c.{c} is not null" for c in columns)
    )

    def expectations() -> list[Expectation]:
        return [always_true("is_known")]

    return Frame(name=name, sql=_const(sql), expectations=expectations)


def _const(sql: str) -> Callable[[Callable[[str], list[str]]], str]:
    return lambda _columns: sql


TRANSITIONS_IN_ORDER = """
select
    account_key,
    deal_id,
    transition_seq,
    changed_at,
    coalesce(
        changed_at >= lag(changed_at) over (
            partition by account_key, deal_id order by transition_seq
        ),
        true
    ) as is_in_time_order
from core.fct_deal_stage_transitions
"""


def _dim_managers() -> list[Expectation]:
    return [
        *grain(["account_key", "manager_id"]),
        *present(["manager_name", "email", "team_id", "team_name", "is_active"]),
    ]


def _dim_pipeline_stages() -> list[Expectation]:
    return [
        *grain(["account_key", "pipeline_id", "stage_id"]),
        *required(["pipeline_name", "stage_name", "stage_sort", "stage_type", "is_main_pipeline"]),
        one_of("stage_type", DEAL_STATUSES),
    ]


def _dim_dates() -> list[Expectation]:
    return [
        *grain(["date_day"]),
        *required(["week_start", "month_start", "quarter_start", "year", "is_weekend"]),
    ]


def _fct_deals() -> list[Expectation]:
    return [
        *grain(["account_key", "deal_id"]),
        *required(["status", "created_at", "created_date"]),
        # A deal known only from the CRM's bin (amoCRM keeps its id, not its stage) is a row
        # with is_deleted and no pipeline or stage; every live deal has both.
        *required_when(["pipeline_id", "stage_id"], Column("is_deleted") == False),  # noqa: E712
        *present(["amount", "closed_at", "closed_date", "days_to_close", "manager_id"]),
        one_of("status", DEAL_STATUSES),
        *non_negative(["amount", "days_to_close"]),
        null_when("closed_at", Column("status") == "open"),
    ]


def _fct_transitions() -> list[Expectation]:
    return [
        *grain(["account_key", "deal_id", "transition_seq"]),
        *required(["to_stage_id", "changed_at"]),
        *non_negative(["hours_in_from_stage"]),
    ]


def _in_order() -> list[Expectation]:
    return [always_true("is_in_time_order")]


def _fct_activities() -> list[Expectation]:
    return [
        *grain(["account_key", "activity_id"]),
        *required(["activity_type", "occurred_at", "occurred_date"]),
        one_of("activity_type", ACTIVITY_TYPES),
        one_of("direction", ("inbound", "outbound")),
        *non_negative(["duration_seconds"]),
    ]


SUITES = [
    Suite("core.dim_managers", _dim_managers, description="grain, attributes present"),
    Suite("core.dim_pipeline_stages", _dim_pipeline_stages, description="grain, stage types"),
    Suite("core.dim_dates", _dim_dates, description="one row per day"),
    Suite(
        "core.fct_deals",
        _fct_deals,
        frames=(
            _known("manager known", "core.fct_deals", "core.dim_managers", ("manager_id",)),
            _known(
                "stage known",
                "core.fct_deals",
                "core.dim_pipeline_stages",
                ("pipeline_id", "stage_id"),
            ),
        ),
        description="grain, statuses, non-negative money, managers and stages known",
    ),
    Suite(
        "core.fct_deal_stage_transitions",
        _fct_transitions,
        frames=(
            Frame("in time order", _const(TRANSITIONS_IN_ORDER), _in_order),
            _known("deal known", "core.fct_deal_stage_transitions", "core.fct_deals", ("deal_id",)),
        ),
        description="grain, transitions of a deal in time order, deals known",
    ),
    Suite(
        "core.fct_activities",
        _fct_activities,
        frames=(
            _known("manager known", "core.fct_activities", "core.dim_managers", ("manager_id",)),
        ),
        description="grain, activity types and directions, managers known",
    ),
]
