"""Run a suite of expectations on a warehouse query, in the warehouse, and summarise it.

Great Expectations' SQL datasource turns each expectation into aggregate queries: no rows are
read into Python except a few failing ones as samples. Validations run in an ephemeral GX
context (the warehouse URL, which may carry a password, is never written to disk); their
results go to the Data Docs store (``data_docs.DocsSite``) if one is given.

One context and datasource per warehouse and process (``shared_validator``): building them
costs a context, a datasource and a test connection (~0.15 s apiece, times every checked
table of a run). Between two suites the validator only releases its connections.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import great_expectations as gx
from great_expectations.core import ExpectationSuiteValidationResult
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)
from great_expectations.expectations.expectation import Expectation
from great_expectations.util import convert_to_json_serializable

from crm_kpi.quality.sql import keep_duckdb_connections
from crm_kpi.warehouse import Warehouse

keep_duckdb_connections()

SAMPLE_SIZE = 5
DATASOURCE = "warehouse"
BATCH = "whole_query"


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
    """The result of validating one query (a table or a derived frame)."""

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


def _printable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


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
    for nested in info.values() if isinstance(info, dict) else ():
        if isinstance(nested, dict) and nested.get("raised_exception"):
            return f"error: {nested.get('exception_message')}"
    return None


def _identity(config: Any) -> str:
    """An expectation's type and arguments (its id differs between two suites)."""
    return json.dumps(
        [config.type, convert_to_json_serializable(config.kwargs)], sort_keys=True, default=str
    )


def _failure(item: Any) -> FailedExpectation:
    name, column = _describe(item.expectation_config)
    details = item.result or {}
    rows = details.get("partial_unexpected_index_list") or []
    return FailedExpectation(
        expectation=name,
        column=column,
        failed_rows=int(details.get("unexpected_count") or 0),
        sample=[
            _printable(v) for v in list(details.get("partial_unexpected_list") or [])[:SAMPLE_SIZE]
        ],
        sample_rows=[
            {k: _printable(v) for k, v in row.items()}
            for row in rows[:SAMPLE_SIZE]
            if isinstance(row, dict)
        ],
        observed=_observed(item),
    )


class SqlValidator:
    """Validates queries on one warehouse through GX's SQL datasource (one engine, reused)."""

    def __init__(self, warehouse: Warehouse) -> None:
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.datasource = self.context.data_sources.add_sql(
            name=DATASOURCE,
            connection_string=warehouse.sqlalchemy_url,
            kwargs=warehouse.engine_kwargs(read_only=True),
        )

    def validate(
        self,
        name: str,
        query: str,
        expectations: list[Expectation],
        key_columns: Sequence[str] = (),
        run_name: str | None = None,
    ) -> tuple[ValidationOutcome, ExpectationSuiteValidationResult]:
        """Validate the rows of ``query`` (called ``name``) against ``expectations``.

        ``key_columns`` go with each sample of failing rows.
        """
        with contextlib.suppress(LookupError):
            self.datasource.delete_asset(name)
        # GX takes only queries that start with ``select``; a CTE or union is wrapped.
        asset = self.datasource.add_query_asset(
            name=name, query=f"select * from ({query.strip()}) as checked"
        )
        batch = asset.add_batch_definition_whole_table(BATCH)
        run_id = RunIdentifier(run_name=run_name, run_time=dt.datetime.now(dt.UTC))
        # Pass or fail first: the unexpected counts of a domain come from one aggregate query.
        # Samples cost two more scans per expectation, so only the failed ones are rerun for them.
        result = self._run(name, batch, expectations, {"result_format": "BOOLEAN_ONLY"}, run_id)
        failed = [item for item in result.results if not item.success]
        if failed:
            summary: dict[str, Any] = {
                "result_format": "SUMMARY",
                "partial_unexpected_count": SAMPLE_SIZE,
            }
            if key_columns:
                summary["unexpected_index_column_names"] = list(dict.fromkeys(key_columns))
            again = self._run(
                f"{name} · failed",
                batch,
                [
                    item.expectation_config.to_domain_obj().copy(update={"id": None})
                    for item in failed
                ],
                summary,
                run_id,
            )
            detailed = {_identity(item.expectation_config): item for item in again.results}
            result.results = [
                item if item.success else detailed.get(_identity(item.expectation_config), item)
                for item in result.results
            ]
        result_id = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=name),
            run_id=run_id,
            batch_identifier=f"{DATASOURCE}-{name}",
        )
        rows = next(
            (
                int((item.result or {}).get("element_count") or 0)
                for item in result.results
                if "element_count" in (item.result or {})
            ),
            0,
        )
        outcome = ValidationOutcome(
            table=name,
            rows=rows,
            evaluated=len(result.results),
            failures=[_failure(item) for item in result.results if not item.success],
            result_id=result_id,
        )
        return outcome, result

    def _run(
        self,
        name: str,
        batch: Any,
        expectations: list[Expectation],
        result_format: dict[str, Any],
        run_id: RunIdentifier,
    ) -> ExpectationSuiteValidationResult:
        suite = self.context.suites.add_or_update(
            gx.ExpectationSuite(name=name, expectations=expectations)
        )
        definition = self.context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=name, data=batch, suite=suite)
        )
        return definition.run(result_format=result_format, run_id=run_id)

    def close(self) -> None:
        """Close the warehouse connections GX keeps open (DuckDB: release the read lock).

        The context and datasource stay: the next validation builds a new execution engine
        (a disposed one hands out closed DuckDB connections).
        """
        self.datasource.get_execution_engine().close()
        self.datasource.get_engine().dispose()  # the engine GX tested the connection with
        # GX caches both on the datasource (pydantic private attributes); forget them.
        self.datasource._execution_engine = None
        self.datasource._engine = None


_SHARED: dict[str, SqlValidator] = {}
_SHARED_LOCK = threading.Lock()


def shared_validator(warehouse: Warehouse) -> SqlValidator:
    """The ``SqlValidator`` of ``warehouse`` in this process, built on first use.

    Callers ``close()`` it when done (that releases the connections, not the validator);
    it is not for two threads at once (Dagster runs one check per step).
    """
    key = json.dumps(
        [warehouse.sqlalchemy_url, warehouse.engine_kwargs(read_only=True)],
        sort_keys=True,
        default=str,
    )
    with _SHARED_LOCK:
        validator = _SHARED.get(key)
        if validator is None:
            validator = _SHARED[key] = SqlValidator(warehouse)
        return validator
