"""Check one table against its suite: read it read-only, validate it, keep the Data Docs.

This is what a Dagster asset check calls; it knows nothing about Dagster.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import great_expectations.expectations as gxe
import pandas as pd
from great_expectations.expectations.expectation import Expectation

from data_quality.data_docs import build_docs, docs_index, file_context
from data_quality.history import RowCountHistory, band
from data_quality.suite import Suite, columns_used
from data_quality.validation import FailedExpectation, ValidationOutcome, validate_frame
from data_quality.warehouse import columns_of, read_columns, read_only

# Derived frames are narrow: their sample rows show every column, up to this many.
SAMPLE_COLUMNS = 8


@dataclass(frozen=True)
class SuiteOutcome:
    """The validations of one table (its own frame and the derived ones)."""

    table: str
    rows: int
    outcomes: list[ValidationOutcome] = field(default_factory=list)
    docs_index: Path | None = None
    previous_rows: int | None = None
    docs_page: Path | None = None

    @property
    def failures(self) -> list[FailedExpectation]:
        """Every failed expectation, over all frames."""
        return [failure for outcome in self.outcomes for failure in outcome.failures]

    @property
    def success(self) -> bool:
        return not self.failures

    @property
    def evaluated(self) -> int:
        """How many expectations were evaluated."""
        return sum(outcome.evaluated for outcome in self.outcomes)

    @property
    def failed_rows(self) -> int:
        """Rows that broke an expectation (a row breaking two counts twice)."""
        return sum(failure.failed_rows for failure in self.failures)


def _applicable(expectations: list[Expectation], columns: list[str]) -> list[Expectation]:
    """Drop expectations on missing columns: the column-set expectation reports those."""
    present = set(columns)
    return [e for e in expectations if columns_used(e) <= present]


def _key_columns(expectations: list[Expectation]) -> list[str]:
    for expectation in expectations:
        if isinstance(expectation, gxe.ExpectCompoundColumnsToBeUnique):
            return list(expectation.column_list)
        if isinstance(expectation, gxe.ExpectColumnValuesToBeUnique):
            return [expectation.column]
    return []


def _missing_table(table: str, warehouse_path: Path) -> ValidationOutcome:
    return ValidationOutcome(
        table=table,
        rows=0,
        evaluated=1,
        failures=[
            FailedExpectation(
                expectation="table_exists",
                column=None,
                failed_rows=0,
                sample=[],
                observed=f"{table} is not in {warehouse_path}: was it built?",
            )
        ],
    )


def check_suite(
    suite: Suite,
    warehouse_path: Path,
    data_dir: Path,
    run_name: str | None = None,
) -> SuiteOutcome:
    """Validate ``suite.table`` and its derived frames; rebuild the Data Docs.

    The row-count band compares with the last passing check recorded under ``data_dir``;
    a passing check records its row count.
    """
    history = RowCountHistory.in_data_dir(data_dir)
    previous = history.previous(suite.table) if suite.row_count_band is not None else None
    context = file_context(data_dir)
    with read_only(warehouse_path) as connection:
        columns = columns_of(connection, suite.table)
        if not columns:
            return SuiteOutcome(
                suite.table, 0, [_missing_table(suite.table, warehouse_path)], None, previous
            )
        frame = read_columns(connection, suite.table, suite.columns)
        expectations = suite.expectations()
        if previous is not None and suite.row_count_band is not None:
            low, high = band(previous, suite.row_count_band)
            expectations.append(gxe.ExpectTableRowCountToBeBetween(min_value=low, max_value=high))
        outcomes = [
            validate_frame(
                suite.table,
                frame,
                _applicable(expectations, list(frame.columns)),
                context=context,
                run_name=run_name,
                key_columns=_key_columns(expectations),
            )
        ]
        for derived in suite.frames:
            name = f"{suite.table} · {derived.name}"
            try:
                derived_frame = connection.execute(
                    derived.sql(lambda table: columns_of(connection, table))
                ).df()
            except duckdb.Error as error:
                outcomes.append(_query_failed(name, error))
                continue
            derived_expectations = derived.expectations()
            outcomes.append(
                validate_frame(
                    name,
                    derived_frame,
                    _applicable(derived_expectations, list(derived_frame.columns)),
                    context=context,
                    run_name=run_name,
                    key_columns=list(derived_frame.columns)[:SAMPLE_COLUMNS],
                )
            )
    page = build_docs(context, [o.result_id for o in outcomes if o.result_id is not None])
    outcome = SuiteOutcome(
        suite.table, len(frame), outcomes, docs_index(data_dir), previous, docs_page=page
    )
    if outcome.success:
        history.record(suite.table, outcome.rows)
    return outcome


def _query_failed(name: str, error: Exception) -> ValidationOutcome:
    return ValidationOutcome(
        table=name,
        rows=0,
        evaluated=1,
        failures=[
            FailedExpectation(
                expectation="query",
                column=None,
                failed_rows=0,
                sample=[],
                observed=f"the query of {name} failed: {error}",
            )
        ],
    )


def check_contract(suite: Suite, warehouse_path: Path, data_dir: Path) -> ValidationOutcome:
    """Does ``suite.table`` have every column of its contract? (no rows are read)."""
    with read_only(warehouse_path) as connection:
        columns = columns_of(connection, suite.table)
    if not columns:
        return _missing_table(suite.table, warehouse_path)
    return validate_frame(
        f"{suite.table} · contract",
        pd.DataFrame(columns=columns),
        [
            gxe.ExpectTableColumnsToMatchSet(
                column_set=list(suite.contract_columns), exact_match=False
            )
        ],
    )
