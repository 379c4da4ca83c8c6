"""Run a suite of expectations on a pandas frame and summarise the outcome."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx  # noqa: E402
from great_expectations.core.run_identifier import RunIdentifier  # noqa: E402
from great_expectations.data_context import AbstractDataContext  # noqa: E402
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402
from great_expectations.data_context.types.resource_identifiers import (  # noqa: E402
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)
from great_expectations.expectations.expectation import Expectation  # noqa: E402

SAMPLE_SIZE = 5
DATASOURCE = "warehouse"
BATCH = "whole_table"


@dataclass(frozen=True)
class FailedExpectation:
    """One expectation that did not hold, with how many rows broke it and a few of them.

    ``sample`` holds the offending values; ``sample_rows`` the rows they sit in (key columns
    and the checked column), when the expectation is about rows.
    """

    expectation: str
    column: str | None
    failed_rows: int
    sample: list[Any]
    sample_rows: list[dict[str, Any]] = field(default_factory=list)
    observed: str | None = None


@dataclass(frozen=True)
class ValidationOutcome:
    """The result of validating one frame."""

    table: str
    rows: int
    evaluated: int
    failures: list[FailedExpectation] = field(default_factory=list)
    result_id: ValidationResultIdentifier | None = None

    @property
    def success(self) -> bool:
        return not self.failures


def _describe(config: Any) -> tuple[str, str | None]:
    kwargs = config.kwargs or {}
    column = kwargs.get("column") or (
        ",".join(kwargs["column_list"]) if kwargs.get("column_list") else None
    )
    return config.type, column


def _ephemeral_context() -> AbstractDataContext:
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _batch_definition(context: AbstractDataContext, name: str) -> Any:
    source = context.data_sources.add_or_update_pandas(name=DATASOURCE)
    try:
        asset = source.get_asset(name)
    except LookupError:
        asset = source.add_dataframe_asset(name=name)
    try:
        return asset.get_batch_definition(BATCH)
    except KeyError:
        return asset.add_batch_definition_whole_dataframe(name=BATCH)


def _printable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _sample_rows(
    frame: pd.DataFrame, indexes: Sequence[Any], columns: Sequence[str]
) -> list[dict[str, Any]]:
    picked = [i for i in list(indexes)[:SAMPLE_SIZE] if i in frame.index]
    wanted = [c for c in dict.fromkeys(columns) if c in frame.columns]
    if not picked or not wanted:
        return []
    rows = frame.loc[picked, wanted].to_dict("records")
    return [{k: _printable(v) for k, v in row.items()} for row in rows]


def _observed(item: Any) -> str | None:
    details = item.result or {}
    mismatched = (details.get("details") or {}).get("mismatched")
    if isinstance(mismatched, dict) and mismatched.get("missing"):
        return f"missing columns: {', '.join(map(str, mismatched['missing']))}"
    if "observed_value" in details:
        return f"observed {details['observed_value']}"
    info = item.exception_info or {}
    if isinstance(info, dict) and info.get("raised_exception"):
        return f"error: {info.get('exception_message')}"
    return None


def validate_frame(
    table: str,
    frame: pd.DataFrame,
    expectations: list[Expectation],
    context: AbstractDataContext | None = None,
    run_name: str | None = None,
    key_columns: Sequence[str] = (),
) -> ValidationOutcome:
    """Validate ``frame`` (the contents of ``table``) against ``expectations``.

    Without ``context`` the validation happens in memory and leaves nothing behind; with a
    file context (``data_docs.file_context``) the result is stored under ``run_name`` and
    can be rendered in Data Docs. ``key_columns`` go into the sample of failing rows.
    """
    context = context or _ephemeral_context()
    suite = context.suites.add_or_update(gx.ExpectationSuite(name=table, expectations=expectations))
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=table, data=_batch_definition(context, table), suite=suite)
    )
    run_id = RunIdentifier(run_name=run_name, run_time=dt.datetime.now(dt.UTC))
    result = definition.run(
        batch_parameters={"dataframe": frame},
        result_format={"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_SIZE},
        run_id=run_id,
    )
    result_id = ValidationResultIdentifier(
        expectation_suite_identifier=ExpectationSuiteIdentifier(name=table),
        run_id=run_id,
        batch_identifier=f"{DATASOURCE}-{table}",
    )
    failures = []
    for item in result.results:
        if item.success:
            continue
        name, column = _describe(item.expectation_config)
        details = item.result or {}
        checked = (column or "").split(",") if column else []
        failures.append(
            FailedExpectation(
                expectation=name,
                column=column,
                failed_rows=int(details.get("unexpected_count") or 0),
                sample=[
                    _printable(v)
                    for v in list(details.get("partial_unexpected_list") or [])[:SAMPLE_SIZE]
                ],
                sample_rows=_sample_rows(
                    frame,
                    details.get("partial_unexpected_index_list") or [],
                    [*key_columns, *checked],
                ),
                observed=_observed(item),
            )
        )
    return ValidationOutcome(
        table=table,
        rows=len(frame),
        evaluated=len(result.results),
        failures=failures,
        result_id=result_id,
    )
