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

from crm_kpi.quality.data_docs import build_docs, docs_index, file_context
from crm_kpi.quality.history import ALL_ACCOUNTS, RowCountHistory, band
from crm_kpi.quality.suite import Suite, columns_used
from crm_kpi.quality.validation import FailedExpectation, ValidationOutcome, validate_frame
from crm_kpi.quality.warehouse import columns_of, read_columns, read_only

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
    rows_by_account: dict[str, int] = field(default_factory=dict)
    # account_key -> why it failed; None: the failures cannot be pinned on accounts
    failed_accounts: dict[str, str] | None = field(default_factory=dict)

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


def _rows_by_account(connection: duckdb.DuckDBPyConnection, table: str, columns: list[str]):
    if "account_key" not in columns:
        (rows,) = connection.execute(f"select count(*) from {table}").fetchone()
        return {ALL_ACCOUNTS: int(rows)}
    found = connection.execute(f"select account_key, count(*) from {table} group by 1").fetchall()
    return {str(account): int(rows) for account, rows in found}


def _band_outcome(
    table: str, counts: dict[str, int], previous: dict[str, int], share: float
) -> ValidationOutcome:
    """Each account's row count against its own last passing count (new accounts pass)."""
    failures = []
    for account, last in sorted(previous.items()):
        rows = counts.get(account, 0)
        low, high = band(last, share)
        if not low <= rows <= high:
            failures.append(
                FailedExpectation(
                    expectation="expect_table_row_count_to_be_between",
                    column=None,
                    failed_rows=rows,
                    sample=[account],
                    observed=f"{account}: {rows} rows, expected {low}–{high} "
                    f"(last passing check: {last})",
                )
            )
    return ValidationOutcome(
        table=f"{table} · row counts per account",
        rows=sum(counts.values()),
        evaluated=len(previous),
        failures=failures,
    )


def _failed_accounts(
    outcomes: list[ValidationOutcome],
    validated: list[tuple[pd.DataFrame, list[Expectation]] | None],
) -> dict[str, str] | None:
    """Which accounts break the suite, and why (issue 10: one broken account must not stop
    the others). Each failing frame is validated again per ``account_key``; a failing frame
    without that column (or a failed query) cannot be pinned on accounts: None."""
    failed: dict[str, list[str]] = {}
    for outcome, inputs in zip(outcomes, validated, strict=True):
        if outcome.success:
            continue
        if inputs is None:  # the per-account row-count band names its accounts
            for failure in outcome.failures:
                failed.setdefault(str(failure.sample[0]), []).append(failure.observed or "")
            continue
        frame, expectations = inputs
        if "account_key" not in frame.columns or not expectations:
            return None
        attributed = False
        for account, rows in frame.groupby("account_key", dropna=False):
            copies = [e.copy(update={"id": None}) for e in expectations]
            again = validate_frame(outcome.table, rows.reset_index(drop=True), copies)
            attributed = attributed or not again.success
            for failure in again.failures:
                where = f" on {failure.column}" if failure.column else ""
                failed.setdefault(str(account), []).append(
                    f"{outcome.table}: {failure.expectation}{where} ({failure.failed_rows} rows)"
                )
        if not attributed:
            return None  # the frame fails as a whole (e.g. a missing column), not per account
    return {account: "; ".join(reasons) for account, reasons in sorted(failed.items())}


def check_suite(
    suite: Suite,
    warehouse_path: Path,
    data_dir: Path,
    run_name: str | None = None,
) -> SuiteOutcome:
    """Validate ``suite.table`` and its derived frames; rebuild the Data Docs (under ``data_dir``).

    The row-count band compares each account with its last passing check recorded in the
    warehouse (``quality.row_count_history``); a passing check records its counts.
    """
    history = RowCountHistory(warehouse_path)
    previous = history.previous(suite.table) if suite.row_count_band is not None else {}
    previous_total = sum(previous.values()) if previous else None
    context = file_context(data_dir)
    with read_only(warehouse_path) as connection:
        columns = columns_of(connection, suite.table)
        if not columns:
            return SuiteOutcome(
                suite.table,
                0,
                [_missing_table(suite.table, warehouse_path)],
                None,
                previous_total,
                failed_accounts=None,
            )
        wanted = [*suite.columns, "account_key"] if suite.columns else []
        frame = read_columns(connection, suite.table, wanted)
        counts = _rows_by_account(connection, suite.table, columns)
        validated: list[tuple[pd.DataFrame, list[Expectation]] | None] = []
        expectations = suite.expectations()
        applicable = _applicable(expectations, list(frame.columns))
        outcomes = [
            validate_frame(
                suite.table,
                frame,
                applicable,
                context=context,
                run_name=run_name,
                key_columns=_key_columns(expectations),
            )
        ]
        validated.append((frame, applicable))
        if previous and suite.row_count_band is not None:
            outcomes.append(_band_outcome(suite.table, counts, previous, suite.row_count_band))
            validated.append(None)
        for derived in suite.frames:
            name = f"{suite.table} · {derived.name}"
            try:
                derived_frame = connection.execute(
                    derived.sql(lambda table: columns_of(connection, table))
                ).df()
            except duckdb.Error as error:
                outcomes.append(_query_failed(name, error))
                validated.append((pd.DataFrame(), []))
                continue
            derived_expectations = derived.expectations()
            validated.append(
                (derived_frame, _applicable(derived_expectations, list(derived_frame.columns)))
            )
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
        suite.table,
        len(frame),
        outcomes,
        docs_index(data_dir),
        previous_total,
        docs_page=page,
        rows_by_account=counts,
        failed_accounts=_failed_accounts(outcomes, validated),
    )
    if outcome.success and suite.row_count_band is not None:
        history.record(suite.table, counts)
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
