"""dlt source for the inputs that are not in the CRM (KPI catalogue section 5).

Two CSV files, the sales plan and the marketing spend, validated row by row
(``validation.py``): good rows load into ``raw_inputs.sales_plan`` and
``raw_inputs.marketing_spend``, rejected rows into ``raw_inputs.input_rejections`` with file,
line and reason (and into the log). Each run replaces the tables: the files are the whole
truth. A file that does not exist is skipped with a message; a file without the required
header columns fails the load.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import dlt
from dlt.sources import DltResource

from .managers import KnownManagers, managers_from_warehouse
from .settings import MARKETING_SPEND_TABLE, REJECTIONS_TABLE, SALES_PLAN_TABLE
from .validation import ParsedInput, Rejection, parse_marketing_spend, parse_sales_plan

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


def _report(table: str, path: Path, parsed: ParsedInput) -> None:
    for rejection in parsed.rejections:
        logger.warning("%s rejected: %s", table, rejection)
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
) -> list[DltResource]:
    """The sales plan, the marketing spend and the rejected lines of both.

    Args:
        sales_plan_path: the sales-plan CSV; None or a missing file loads no plan.
        marketing_spend_path: the marketing-spend CSV; None or a missing file loads no spend.
        managers: the managers a plan row may name; None skips that check.
    """
    parsed: dict[str, ParsedInput] = {}

    def parse(table: str) -> ParsedInput:
        if table not in parsed:
            path = sales_plan_path if table == SALES_PLAN_TABLE else marketing_spend_path
            if path is None or not Path(path).is_file():
                logger.info("%s: no file at %s, nothing to load", table, path)
                parsed[table] = ParsedInput()
            elif table == SALES_PLAN_TABLE:
                parsed[table] = parse_sales_plan(Path(path), managers)
                _report(table, Path(path), parsed[table])
            else:
                parsed[table] = parse_marketing_spend(Path(path))
                _report(table, Path(path), parsed[table])
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
