"""What a suite is: the frames to read from the warehouse and the expectations on each.

A suite checks one asset (one warehouse table). Its main frame is the table itself; extra
frames are SQL queries for what one table cannot show alone (relationships to another table,
stage transitions in time order, totals that reconcile between two marts).

Expectations are built by functions, freshly for every run: GX binds expectation objects to
the suite they are added to, and some bounds (``now``, the previous row count) move.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crm_kpi.quality.gx import expectations as gxe
from crm_kpi.quality.gx import row_conditions

if TYPE_CHECKING:
    from great_expectations.expectations.expectation import Expectation
    from great_expectations.expectations.row_conditions import Condition

EARLIEST = 946_684_800  # 2000-01-01T00:00:00Z, the earliest sane CRM timestamp
ExpectationFactory = Callable[[], "list[Expectation]"]
# Given a function returning the columns of a table ("schema.table"), the SQL of a frame.
SqlFactory = Callable[[Callable[[str], list[str]]], str]


@dataclass(frozen=True)
class Frame:
    """A derived frame of a suite: the rows of a query and what must hold on them."""

    name: str
    sql: SqlFactory
    expectations: ExpectationFactory


@dataclass(frozen=True)
class Suite:
    """The expectations on one warehouse table (one Dagster asset).

    Attributes:
        table: ``schema.table`` in the warehouse; also the GX suite name.
        expectations: builds the expectations on the whole table.
        blocking: a failure stops publishing (marts); otherwise it is a warning.
        columns: read only these columns (raw tables carry large JSON columns); all if empty.
        frames: derived frames validated with the table.
        row_count_band: the row count must stay within this share of the previous
            successful run's (0.5: between half and double); ``None`` disables it.
        contract_columns: columns the KPI catalogue promises; checked apart from the values
            (a warning, so that a mart still being extended can be published).
        key: the table's grain, shown with each sample of failing rows (dbt tests that it
            is unique); default: the columns of the suite's own uniqueness expectation.
        reads_new_loads: the table's own expectations read only the rows of dlt loads newer
            than the newest its last passing check read (``_dlt_load_id``). For raw tables:
            dlt changes a row only by loading it again (a merge stamps it with the new load),
            so older rows were checked before as they are. Row counts read the whole table.
        account_column: with ``reads_new_loads``, the column naming a row's account (raw
            tables: amoCRM ``account_id``, Bitrix24 ``portal``): loads are compared with the
            newest checked of the same account, since accounts load apart (a load extracted
            before another account's has the older id, and can arrive after that one was
            checked). None: the table's loads as those of one account.
    """

    table: str
    expectations: ExpectationFactory
    blocking: bool = False
    columns: tuple[str, ...] = ()
    frames: tuple[Frame, ...] = ()
    row_count_band: float | None = None
    description: str = ""
    contract_columns: tuple[str, ...] = ()
    key: tuple[str, ...] = ()
    reads_new_loads: bool = False
    account_column: str | None = None

    @property
    def name(self) -> str:
        """The table name without its schema (``mart_manager_monthly``)."""
        return self.table.split(".", 1)[1]


def _condition_columns(condition: object) -> set[str]:
    if isinstance(condition, (row_conditions.AndCondition, row_conditions.OrCondition)):
        return set().union(*(_condition_columns(c) for c in condition.conditions))
    column = getattr(condition, "column", None)
    return {column.name} if isinstance(column, row_conditions.Column) else set()


def columns_used(expectation: Expectation) -> set[str]:
    """Every column an expectation reads: its column arguments and its row condition."""
    used: set[str] = set()
    for attribute in ("column", "column_A", "column_B"):
        value = getattr(expectation, attribute, None)
        if isinstance(value, str):
            used.add(value)
    used.update(getattr(expectation, "column_list", None) or [])
    return used | _condition_columns(getattr(expectation, "row_condition", None))


# Builders for the expectations every layer uses; small on purpose, so suites read as tables.


def grain(columns: Sequence[str], not_null: Sequence[str] | None = None) -> list[Expectation]:
    """One row per grain: the key columns unique together, and (by default all) not null."""
    unique: Expectation = (
        gxe.ExpectCompoundColumnsToBeUnique(column_list=list(columns))
        if len(columns) > 1
        else gxe.ExpectColumnValuesToBeUnique(column=columns[0])
    )
    return [
        unique,
        *(
            gxe.ExpectColumnValuesToNotBeNull(column=c)
            for c in (columns if not_null is None else not_null)
        ),
    ]


def required(columns: Sequence[str]) -> list[Expectation]:
    """The table has these columns (more are allowed) and they are never NULL."""
    return [
        gxe.ExpectTableColumnsToMatchSet(column_set=list(columns), exact_match=False),
        *(gxe.ExpectColumnValuesToNotBeNull(column=c) for c in columns),
    ]


def required_when(columns: Sequence[str], condition: Condition) -> list[Expectation]:
    """The table has these columns and they are never NULL on the rows of ``condition``."""
    return [
        gxe.ExpectTableColumnsToMatchSet(column_set=list(columns), exact_match=False),
        *(gxe.ExpectColumnValuesToNotBeNull(column=c, row_condition=condition) for c in columns),
    ]


def present(columns: Sequence[str]) -> list[Expectation]:
    """The table has these columns (more are allowed); NULLs are fine."""
    return [gxe.ExpectTableColumnsToMatchSet(column_set=list(columns), exact_match=False)]


def non_negative(columns: Sequence[str]) -> list[Expectation]:
    """Counts and money are never below zero (NULL is allowed)."""
    return [gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0) for c in columns]


def rates(columns: Sequence[str]) -> list[Expectation]:
    """Shares are fractions in [0, 1] (NULL is allowed)."""
    return [gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=1) for c in columns]


def one_of(column: str, values: Sequence[object]) -> Expectation:
    """A decoded enum holds only known values (NULL is allowed)."""
    return gxe.ExpectColumnValuesToBeInSet(column=column, value_set=list(values))


def null_when(column: str, condition: Condition) -> Expectation:
    """A ratio is NULL where its denominator is 0 (``condition`` says where that is)."""
    return gxe.ExpectColumnValuesToBeNull(column=column, row_condition=condition)


def always_true(column: str) -> Expectation:
    """A boolean computed by a frame's SQL holds on every row."""
    return gxe.ExpectColumnValuesToBeInSet(column=column, value_set=[True])


def within(column: str, tolerance: float) -> Expectation:
    """A computed difference is (close to) zero."""
    return gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=tolerance)


def sane_timestamps(columns: Sequence[str]) -> list[Expectation]:
    """Unix timestamps between 2000-01-01 and tomorrow (NULL allowed)."""
    tomorrow = int(time.time()) + 86_400
    return [
        gxe.ExpectColumnValuesToBeBetween(column=c, min_value=EARLIEST, max_value=tomorrow)
        for c in columns
    ]
