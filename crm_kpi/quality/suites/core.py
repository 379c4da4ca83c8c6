"""Expectations on the core models that dbt does not test: time order, references, money.

One owner per rule (contract C4): grain, not-null keys, accepted values, the ranges and the
relationships dbt's YAML tests are not repeated here. Warnings: a broken fact shows in the
marts built on it, whose checks block publishing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from crm_kpi.quality.gx import Column
from crm_kpi.quality.suite import (
    Frame,
    Suite,
    always_true,
    non_negative,
    null_when,
    present,
    required,
    required_when,
)

if TYPE_CHECKING:
    from great_expectations.expectations.expectation import Expectation


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
    return present(["manager_name", "email", "team_id", "team_name", "is_active"])


def _dim_pipeline_stages() -> list[Expectation]:
    return required(["pipeline_name", "stage_name", "stage_sort", "is_main_pipeline"])


def _dim_dates() -> list[Expectation]:
    return required(["week_start", "month_start", "quarter_start", "year", "is_weekend"])


def _fct_deals() -> list[Expectation]:
    live = Column("is_deleted") == False  # noqa: E712
    return [
        # A deal known only from the CRM's bin (amoCRM keeps its id, not its stage) is a row
        # with is_deleted and no pipeline or stage, and no creation time when it left no event
        # (deleted before the events the API still returns); every live deal has all four.
        *required_when(["created_at", "created_date", "pipeline_id", "stage_id"], live),
        *present(["amount", "closed_at", "closed_date", "days_to_close", "manager_id"]),
        *non_negative(["amount"]),
        null_when("closed_at", Column("status") == "open"),
    ]


def _fct_transitions() -> list[Expectation]:
    return required(["to_stage_id", "changed_at"])


def _in_order() -> list[Expectation]:
    return [always_true("is_in_time_order")]


def _fct_activities() -> list[Expectation]:
    return required(["occurred_at", "occurred_date"])


SUITES = [
    Suite("core.dim_managers", _dim_managers, description="attributes present"),
    Suite("core.dim_pipeline_stages", _dim_pipeline_stages, description="names and order set"),
    Suite("core.dim_dates", _dim_dates, description="calendar attributes set"),
    Suite(
        "core.fct_deals",
        _fct_deals,
        key=("account_key", "deal_id"),
        frames=(_known("manager known", "core.fct_deals", "core.dim_managers", ("manager_id",)),),
        description="live deals staged, money >= 0, closed only if not open, managers known",
    ),
    Suite(
        "core.fct_deal_stage_transitions",
        _fct_transitions,
        key=("account_key", "deal_id", "transition_seq"),
        frames=(
            Frame("in time order", _const(TRANSITIONS_IN_ORDER), _in_order),
            _known("deal known", "core.fct_deal_stage_transitions", "core.fct_deals", ("deal_id",)),
        ),
        description="transitions of a deal in time order, deals known",
    ),
    Suite(
        "core.fct_activities",
        _fct_activities,
        key=("account_key", "activity_id"),
        description="occurrence time and date set",
    ),
]
