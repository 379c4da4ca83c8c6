"""dlt source for the inputs that are not in the CRM (KPI catalogue section 5).

Two CSV files, the sales plan and the marketing spend, validated row by row
(``validation.py``): good rows load into ``raw_inputs.sales_plan`` and
``raw_inputs.marketing_spend``, rejected rows into ``raw_inputs.input_rejections`` with file,
line and reason (and into the log). Each run replaces the tables: the files are the whole
truth. A file that cannot be read as a whole (missing, a directory at its path, no required
header columns, a line the csv module refuses) never empties its table: the last good load
is kept (``previous``), a warning names the file (and line), and the rejections say why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import dlt
from dlt.sources import DltResource

from .managers import KnownManagers, managers_from_warehouse
from .settings import MARKETING_SPEND_TABLE, REJECTIONS_TABLE, SALES_PLAN_TABLE
from .validation import (
    InputFileError,
    ParsedInput,
    Rejection,
    Row,
    parse_marketing_spend,
    parse_sales_plan,
)

__all__ = ["Rejection", "inputs_source", "managers_from_warehouse"]

logger = logging.getLogger("crm_kpi.ingestion.inputs")

SALES_PLAN_COLUMNS = {
    "account_key": {"data_type": "text", "nullable": False},
    "manager_id": {"data_type": "text"},
    "manager_email": {"data_type": "text"},
    "month": {"data_type": "text", "nullable": False},
    "metric": {"data_type": "text", "nullable": False},
    "target": {"data_type": "decimal", "precision": 18, "scale": 2},
    "source_file": {"data_type": "text"},
    "source_line": {"data_type": "bigint"},
}
MARKETING_SPEND_COLUMNS = {
    "account_key": {"data_type": "text", "nullable": False},
    "lead_source": {"data_type": "text", "nullable": False},
    "month": {"data_type": "text", "nullable": False},
    "spend": {"data_type": "decimal", "precision": 18, "scale": 2},
    "source_file": {"data_type": "text"},
    "source_line": {"data_type": "bigint"},
}
REJECTION_COLUMNS = {
    "input_table": {"data_type": "text"},
    "source_file": {"data_type": "text"},
    "source_line": {"data_type": "bigint"},
    "reason": {"data_type": "text"},
}


# Lines listed by number in one log line for a reason that rejected many.
MAX_LINES_LISTED = 5
# Distinct reasons logged; the rest are counted (every rejection is in input_rejections).
MAX_REASONS_LOGGED = 20


def _report(table: str, path: Path, parsed: ParsedInput) -> None:
    """Log the rejections one line per reason (a file of 10k bad rows is not 10k log lines)."""
    by_reason: dict[str, list[Rejection]] = {}
    for rejection in parsed.rejections:
        by_reason.setdefault(rejection.reason, []).append(rejection)
    for reason, rejections in list(by_reason.items())[:MAX_REASONS_LOGGED]:
        if len(rejections) == 1:
            logger.warning("%s rejected: %s", table, rejections[0])
            continue
        lines = ", ".join(str(r.line) for r in rejections[:MAX_LINES_LISTED])
        more = ", ..." if len(rejections) > MAX_LINES_LISTED else ""
        logger.warning(
            "%s rejected %d lines of %s (lines %s%s): %s",
            table,
            len(rejections),
            rejections[0].file,
            lines,
            more,
            reason,
        )
    if len(by_reason) > MAX_REASONS_LOGGED:
        hidden = sum(len(r) for r in list(by_reason.values())[MAX_REASONS_LOGGED:])
        logger.warning(
            "%s rejected %d more lines for %d other reasons: see raw_inputs.%s",
            table,
            hidden,
            len(by_reason) - MAX_REASONS_LOGGED,
            REJECTIONS_TABLE,
        )
    logger.info(
        "%s: %d row(s) loaded, %d rejected from %s",
        table,
        len(parsed.rows),
        len(parsed.rejections),
        path,
    )


@dlt.source(name="inputs", max_table_nesting=0)
def inputs_source(
    sales_plan_path: str | Path | None = None,
    marketing_spend_path: str | Path | None = None,
    managers: KnownManagers | None = None,
    previous: Callable[[str], list[Row]] | None = None,
) -> list[DltResource]:
    """The sales plan, the marketing spend and the rejected lines of both.

    Args:
        sales_plan_path: the sales-plan CSV; None loads no plan.
        marketing_spend_path: the marketing-spend CSV; None loads no spend.
        managers: the managers a plan row may name (and the accounts a spend row may name);
            None skips those checks.
        previous: the rows of the last good load of a table, kept when its file is missing
            or unreadable; None keeps nothing.
    """
    parsed: dict[str, ParsedInput] = {}

    def keep_last_good(table: str, path: Path, reason: str) -> ParsedInput:
        kept = previous(table) if previous is not None else []
        logger.warning(
            "%s: %s; keeping the last good load (%d rows) until the file is fixed",
            table,
            reason,
            len(kept),
        )
        return ParsedInput(rows=kept, rejections=[Rejection(str(path), 0, reason)])

    def read(table: str, path: Path) -> ParsedInput:
        if not path.exists() and previous is not None and not previous(table):
            # never loaded: a project without this input (not a file that went missing)
            logger.info("%s: no file at %s, nothing to load", table, path)
            return ParsedInput()
        if not path.is_file():
            what = "a directory" if path.is_dir() else "no file"
            return keep_last_good(table, path, f"{what} at {path}")
        try:
            if table == SALES_PLAN_TABLE:
                result = parse_sales_plan(path, managers)
            else:
                accounts = set(managers.ids) if managers is not None else None
                result = parse_marketing_spend(path, accounts)
        except InputFileError as error:
            return keep_last_good(table, path, str(error))
        _report(table, path, result)
        return result

    def parse(table: str) -> ParsedInput:
        if table not in parsed:
            path = sales_plan_path if table == SALES_PLAN_TABLE else marketing_spend_path
            if path is None:
                logger.info("%s: no file configured, nothing to load", table)
                parsed[table] = ParsedInput()
            else:
                parsed[table] = read(table, Path(path))
        return parsed[table]

    @dlt.resource(name=SALES_PLAN_TABLE, write_disposition="replace", columns=SALES_PLAN_COLUMNS)
    def sales_plan() -> Iterator[dict]:
        yield from parse(SALES_PLAN_TABLE).rows

    @dlt.resource(
        name=MARKETING_SPEND_TABLE, write_disposition="replace", columns=MARKETING_SPEND_COLUMNS
    )
    def marketing_spend() -> Iterator[dict]:
        yield from parse(MARKETING_SPEND_TABLE).rows

    @dlt.resource(name=REJECTIONS_TABLE, write_disposition="replace", columns=REJECTION_COLUMNS)
    def input_rejections() -> Iterator[dict]:
        for table in (SALES_PLAN_TABLE, MARKETING_SPEND_TABLE):
            for rejection in parse(table).rejections:
                yield rejection.as_row(table)

    return [sales_plan, marketing_spend, input_rejections]
