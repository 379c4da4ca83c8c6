"""Run a suite of expectations on a pandas frame and summarise the outcome."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx  # noqa: E402
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402
from great_expectations.expectations.expectation import Expectation  # noqa: E402

SAMPLE_SIZE = 5


@dataclass(frozen=True)
class FailedExpectation:
    """One expectation that did not hold, with how many rows broke it and a few of them."""

    expectation: str
    column: str | None
    failed_rows: int
    sample: list[Any]


@dataclass(frozen=True)
class ValidationOutcome:
    """The result of validating one table."""

    table: str
    rows: int
    evaluated: int
    failures: list[FailedExpectation] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return not self.failures


def _describe(config: Any) -> tuple[str, str | None]:
    kwargs = config.kwargs or {}
    column = kwargs.get("column") or (
        ",".join(kwargs["column_list"]) if kwargs.get("column_list") else None
    )
    return config.type, column


def validate_frame(
    table: str, frame: pd.DataFrame, expectations: list[Expectation]
) -> ValidationOutcome:
    """Validate ``frame`` (the contents of ``table``) against ``expectations``."""
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas(name="warehouse")
        .add_dataframe_asset(name=table)
        .add_batch_definition_whole_dataframe(name="whole_table")
    )
    suite = context.suites.add(gx.ExpectationSuite(name=table, expectations=expectations))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"validate {table}", data=batch, suite=suite)
    )
    result = definition.run(
        batch_parameters={"dataframe": frame},
        result_format={"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_SIZE},
    )
    failures = []
    for item in result.results:
        if item.success:
            continue
        name, column = _describe(item.expectation_config)
        details = item.result or {}
        failures.append(
            FailedExpectation(
                expectation=name,
                column=column,
                failed_rows=int(details.get("unexpected_count") or 0),
                sample=list(details.get("partial_unexpected_list") or [])[:SAMPLE_SIZE],
            )
        )
    return ValidationOutcome(
        table=table, rows=len(frame), evaluated=len(result.results), failures=failures
    )
