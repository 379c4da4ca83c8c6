"""Expectations on the file inputs (sales plan, marketing spend) after dlt loaded them.

The loader rejects bad rows with a message (``raw_inputs.input_rejections``); these suites
warn if anything slipped through: required fields, known plan metrics, no negative amounts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crm_kpi.quality.suite import Suite, non_negative, one_of, required
from crm_kpi.sources.inputs.settings import (
    MARKETING_SPEND_REQUIRED,
    MARKETING_SPEND_TABLE,
    PLAN_METRICS,
    SALES_PLAN_REQUIRED,
    SALES_PLAN_TABLE,
)

if TYPE_CHECKING:
    from great_expectations.expectations.expectation import Expectation

SCHEMA = "raw_inputs"


def _sales_plan() -> list[Expectation]:
    return [
        *required(SALES_PLAN_REQUIRED),
        one_of("metric", sorted(PLAN_METRICS)),
        *non_negative(["target"]),
    ]


def _marketing_spend() -> list[Expectation]:
    return [*required(MARKETING_SPEND_REQUIRED), *non_negative(["spend"])]


SUITES = [
    Suite(
        f"{SCHEMA}.{SALES_PLAN_TABLE}",
        _sales_plan,
        description="required fields, known metrics, targets not negative",
    ),
    Suite(
        f"{SCHEMA}.{MARKETING_SPEND_TABLE}",
        _marketing_spend,
        description="required fields, spend not negative",
    ),
]
