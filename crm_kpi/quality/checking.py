"""Check one table against its suite, in the warehouse, and keep the validation results.

This is what a Dagster asset check calls; it knows nothing about Dagster. Every expectation
runs as SQL (GX's SQL datasource), counts per account are a ``group by``: memory does not
grow with the table. The results are stored here; their Data Docs pages and the site's index
are rendered once per run (``data_docs.build_index``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import great_expectations.expectations as gxe
import sqlalchemy as sa
from great_expectations.expectations.expectation import Expectation

from crm_kpi.quality.data_docs import DocsSite, docs_index
from crm_kpi.quality.history import ALL_ACCOUNTS, RowCountHistory, band
from crm_kpi.quality.sql import (
    columns_of,
    literal,
    query_columns,
    rows_by_account,
    select_columns,
)
from crm_kpi.quality.suite import Suite, columns_used
from crm_kpi.quality.validation import (
    FailedExpectation,
    SqlValidator,
    ValidationOutcome,
    shared_validator,
)
from crm_kpi.warehouse import Warehouse

# Derived frames are narrow: their sample rows show every column, up to this many.
SAMPLE_COLUMNS = 8
# dlt's load id on every raw row (``Suite.reads_new_loads``).
LOAD_COLUMN = "_dlt_load_id"


@dataclass(frozen=True)
class SuiteOutcome:
    """The validations of one table (its own rows and the derived frames)."""

    table: str
    rows: int
    outcomes: list[ValidationOutcome] = field(default_factory=list)
    docs_index: Path | None = None
    previous_rows: int | None = None
    docs_page: Path | None = None
    rows_by_account: dict[str, int] = field(default_factory=dict)
    # account_key -> why it failed; None: the failures cannot be pinned on accounts
    failed_accounts: dict[str, str] | None = field(default_factory=dict)
    # reads_new_loads: the table's own expectations read only loads after this one (the oldest
    # of the accounts' last checked loads; None: every row of some account)
    checked_since_load: str | None = None

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


@dataclass(frozen=True)
class _Query:
    """One validated query: its name, SQL, columns and the expectations that apply."""

    name: str
    sql: str
    columns: list[str]
    expectations: list[Expectation]
    key_columns: list[str]


def _applicable(expectations: list[Expectation], columns: list[str]) -> list[Expectation]:
    """Drop expectations on missing columns: the column-set expectation reports those."""
    present = set(columns)
    return [e for e in expectations if columns_used(e) <= present]


def _key_columns(expectations: list[Expectation], columns: list[str]) -> list[str]:
    """The grain of the table, for the sample rows: the columns of its uniqueness rule."""
    for expectation in expectations:
        if isinstance(expectation, gxe.ExpectCompoundColumnsToBeUnique):
            return list(expectation.column_list)
        if isinstance(expectation, gxe.ExpectColumnValuesToBeUnique):
            return [expectation.column]
    return [c for c in ("account_key",) if c in columns]


def _failed_check(name: str, expectation: str, observed: str) -> ValidationOutcome:
    return ValidationOutcome(
        table=name,
        rows=0,
        evaluated=1,
        failures=[FailedExpectation(expectation, None, 0, [], observed=observed)],
    )


def _missing_table(table: str, warehouse: str) -> ValidationOutcome:
    return _failed_check(table, "table_exists", f"{table} is not in {warehouse}: was it built?")


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


def _new_loads_condition(
    account_sql: str, checked: Mapping[str, str], newest: Mapping[str, str]
) -> tuple[str | None, str | None]:
    """(the condition of the rows of loads newer than the last checked of their account, the
    oldest of those checked loads), given ``checked`` and the ``newest`` load of each account
    in the table. (None, None): no account was checked before, read every row. The oldest is
    None when an account was never checked (its every row is read); otherwise it is also in
    the condition, as a constant DuckDB skips the row groups of older loads with."""
    thresholds = {account: checked.get(account) for account in newest}
    known = {account: load for account, load in thresholds.items() if load is not None}
    if not known:
        return None, None
    branches = " ".join(
        f"when {literal(account)} then {literal(load)}" for account, load in sorted(known.items())
    )
    condition = f"\"{LOAD_COLUMN}\" > case {account_sql} {branches} else '' end"
    if len(known) < len(thresholds):
        return condition, None
    oldest = min(known.values())
    return f'"{LOAD_COLUMN}" > {literal(oldest)} and {condition}', oldest


def _account_sql(suite: Suite, columns: list[str]) -> str:
    """The SQL naming a row's account for ``reads_new_loads`` (``ALL_ACCOUNTS`` without one)."""
    if suite.account_column and suite.account_column in columns:
        return f'cast("{suite.account_column}" as varchar)'
    return literal(ALL_ACCOUNTS)


def _queries(
    suite: Suite, connection: sa.Connection, columns: list[str], new_rows: str | None = None
) -> list[object]:
    """The table's own query (with ``new_rows``, a condition: those rows only), then each
    derived frame's (or why its query failed)."""
    wanted = [c for c in (*suite.columns, "account_key") if c in columns] if suite.columns else []
    own_columns = wanted or columns
    expectations = suite.expectations()
    own_sql = select_columns(suite.table, wanted)
    if new_rows is not None:
        own_sql += f" where {new_rows}"
    planned: list[object] = [
        _Query(
            suite.table,
            own_sql,
            own_columns,
            _applicable(expectations, own_columns),
            list(suite.key) or _key_columns(expectations, own_columns),
        )
    ]
    for derived in suite.frames:
        name = f"{suite.table} · {derived.name}"
        try:
            sql = derived.sql(lambda table: columns_of(connection, table))
            found = query_columns(connection, sql)
        except sa.exc.DBAPIError as error:
            connection.rollback()
            planned.append(_failed_check(name, "query", f"the query of {name} failed: {error}"))
            continue
        planned.append(
            _Query(
                name,
                sql,
                found,
                _applicable(derived.expectations(), found),
                found[:SAMPLE_COLUMNS],
            )
        )
    return planned


def _failed_accounts(
    validator: SqlValidator,
    checked: list[tuple[ValidationOutcome, _Query | None]],
    accounts: list[str],
) -> dict[str, str] | None:
    """Which accounts break the suite, and why (issue 10: one broken account must not stop
    the others). Each failing query is validated again per ``account_key``, in SQL; a
    failing query without that column (or one that failed) cannot be pinned on accounts:
    None."""
    failed: dict[str, list[str]] = {}
    for outcome, query in checked:
        if outcome.success:
            continue
        if query is None:  # the per-account row-count band names its accounts
            for failure in outcome.failures:
                failed.setdefault(str(failure.sample[0]), []).append(failure.observed or "")
            continue
        if "account_key" not in query.columns or not query.expectations:
            return None
        attributed = False
        for account in accounts:
            again, _ = validator.validate(
                f"{query.name} · {account}",
                f"select * from ({query.sql}) as q where account_key = {literal(account)}",
                [e.copy(update={"id": None}) for e in query.expectations],
            )
            attributed = attributed or not again.success
            for failure in again.failures:
                where = f" on {failure.column}" if failure.column else ""
                failed.setdefault(account, []).append(
                    f"{query.name}: {failure.expectation}{where} ({failure.failed_rows} rows)"
                )
        if not attributed:
            return None  # the query fails as a whole (e.g. a missing column), not per account
    return {account: "; ".join(reasons) for account, reasons in sorted(failed.items())}


class CheckSession:
    """The checks of one step on one warehouse (``check_session``): the warehouse is kept open
    between them, and the row counts of the passing ones are recorded when the session ends
    (a write would close the file that is kept open)."""

    def __init__(self, warehouse: Warehouse, data_dir: Path) -> None:
        self.warehouse = warehouse
        self.data_dir = data_dir
        self.history = RowCountHistory(warehouse)
        self.pending: dict[str, dict[str, int]] = {}
        self.pending_loads: dict[str, dict[str, str]] = {}

    def check_suite(self, suite: Suite, run_name: str | None = None) -> SuiteOutcome:
        """``check_suite`` within the session (its row counts recorded at the end)."""
        return _check_suite(
            suite, self.warehouse, self.data_dir, run_name, self.pending, self.pending_loads
        )

    def check_contract(self, suite: Suite) -> ValidationOutcome:
        """``check_contract`` within the session."""
        return check_contract(suite, self.warehouse)

    def record(self) -> None:
        """Write the row counts of the passing checks so far to the history."""
        pending, self.pending = self.pending, {}
        loads, self.pending_loads = self.pending_loads, {}
        self.history.record_many(pending)
        self.history.record_loads(loads)


@contextmanager
def check_session(warehouse: Warehouse, data_dir: Path) -> Iterator[CheckSession]:
    """A ``CheckSession``: the DuckDB file stays open while it lasts (``kept_open``: each
    suite would otherwise open it two or three times, ~30 ms apiece on a small warehouse),
    and the row-count history is written once at its end, even when a check raised."""
    session = CheckSession(warehouse, data_dir)
    try:
        with warehouse.kept_open():
            yield session
    finally:
        session.record()


def check_suite(
    suite: Suite,
    warehouse: Warehouse,
    data_dir: Path,
    run_name: str | None = None,
) -> SuiteOutcome:
    """Validate ``suite.table`` and its derived frames in the warehouse; store the results.

    The row-count band compares each account with its last passing check recorded in the
    warehouse (``quality.row_count_history``); a passing check records its counts. Several
    suites in a row: ``check_session``.
    """
    with check_session(warehouse, data_dir) as session:
        return session.check_suite(suite, run_name)


def _check_suite(
    suite: Suite,
    warehouse: Warehouse,
    data_dir: Path,
    run_name: str | None,
    pending: dict[str, dict[str, int]],
    pending_loads: dict[str, dict[str, str]] | None = None,
) -> SuiteOutcome:
    history = RowCountHistory(warehouse)
    # One read-only connection for everything before the validations (each DuckDB connect
    # opens the file: tens of milliseconds).
    with warehouse.sql(read_only=True) as connection:
        previous = (
            history.previous(suite.table, connection) if suite.row_count_band is not None else {}
        )
        previous_total = sum(previous.values()) if previous else None
        columns = columns_of(connection, suite.table)
        if not columns:
            missing = [_missing_table(suite.table, warehouse.redacted_url)]
            return SuiteOutcome(suite.table, 0, missing, None, previous_total, failed_accounts=None)
        counts = rows_by_account(connection, suite.table, columns)
        new_rows, since_load, newest_loads = None, None, None
        if suite.reads_new_loads and LOAD_COLUMN in columns:
            account_sql = _account_sql(suite, columns)
            newest_loads = {
                str(account): str(load)
                for account, load in connection.execute(
                    sa.text(
                        f'select {account_sql}, max("{LOAD_COLUMN}") from {suite.table} group by 1'
                    )
                )
                if load is not None
            }
            new_rows, since_load = _new_loads_condition(
                account_sql, history.checked_loads(suite.table, connection), newest_loads
            )
        planned = _queries(suite, connection, columns, new_rows)
    site = DocsSite(data_dir)
    validator = shared_validator(warehouse)
    try:
        checked: list[tuple[ValidationOutcome, _Query | None]] = []
        for item in planned:
            if isinstance(item, ValidationOutcome):  # its query failed
                checked.append((item, _Query(item.table, "", [], [], [])))
                continue
            assert isinstance(item, _Query)
            outcome, result = validator.validate(
                item.name, item.sql, item.expectations, item.key_columns, run_name
            )
            site.store(outcome.result_id, result)
            checked.append((outcome, item))
            if len(checked) == 1 and previous and suite.row_count_band is not None:
                band_outcome = _band_outcome(suite.table, counts, previous, suite.row_count_band)
                checked.append((band_outcome, None))
        failed_accounts = _failed_accounts(validator, checked, sorted(counts))
    finally:
        validator.close()
    outcomes = [outcome for outcome, _ in checked]
    page = site.page([o.result_id for o in outcomes if o.result_id is not None])
    outcome = SuiteOutcome(
        suite.table,
        sum(counts.values()),
        outcomes,
        docs_index(data_dir),
        previous_total,
        docs_page=page,
        rows_by_account=counts,
        failed_accounts=failed_accounts,
        checked_since_load=since_load,
    )
    if outcome.success and suite.row_count_band is not None:
        pending[suite.table] = counts
    if outcome.success and newest_loads and pending_loads is not None:
        pending_loads[suite.table] = newest_loads
    return outcome


def check_contract(suite: Suite, warehouse: Warehouse) -> ValidationOutcome:
    """Does ``suite.table`` have every column of its contract? (only the catalogue is read)."""
    with warehouse.sql(read_only=True) as connection:
        columns = columns_of(connection, suite.table)
    if not columns:
        return _missing_table(suite.table, warehouse.redacted_url)
    missing = [c for c in suite.contract_columns if c not in columns]
    name = f"{suite.table} · contract"
    if not missing:
        return ValidationOutcome(table=name, rows=0, evaluated=1)
    return _failed_check(
        name, "expect_table_columns_to_match_set", f"missing columns: {', '.join(missing)}"
    )
