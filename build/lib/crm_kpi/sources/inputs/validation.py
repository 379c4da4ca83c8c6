"""Row-level validation of the CSV inputs: good rows go on, bad rows are rejected with a reason.

A rejection names the file, the line (the header is line 1) and why, so that whoever keeps the
file can fix it; the other rows still load.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .managers import KnownManagers
from .settings import MARKETING_SPEND_REQUIRED, PLAN_METRICS, SALES_PLAN_REQUIRED

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
ACCOUNT_KEY_PATTERN = re.compile(r"^[a-z0-9_]+:.+$")

Row = dict[str, Any]


class InputFileError(ValueError):
    """The file as a whole cannot be read (missing, no header, missing columns)."""


@dataclass(frozen=True)
class Rejection:
    """One rejected line of an input file."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}, line {self.line}: {self.reason}"

    def as_row(self, table: str) -> Row:
        """The rejection as a row of the ``input_rejections`` table."""
        return {
            "input_table": table,
            "source_file": self.file,
            "source_line": self.line,
            "reason": self.reason,
        }


@dataclass
class ParsedInput:
    """The good rows and the rejections of one file."""

    rows: list[Row] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


def _read(path: Path, required: Iterable[str]) -> Iterable[tuple[int, dict[str, str]]]:
    if not path.is_file():
        raise InputFileError(f"{path}: file not found")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = [name.strip().lower() for name in reader.fieldnames or []]
        missing = [name for name in required if name not in header]
        if missing:
            raise InputFileError(
                f"{path}: missing column(s) {', '.join(missing)} in the header line"
            )
        reader.fieldnames = header
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as error:  # e.g. a field over csv.field_size_limit() (128 KB)
                # the failing line is not counted in line_num yet
                raise InputFileError(f"{path}, line {reader.line_num + 1}: {error}") from None
            cleaned = {key: (value or "").strip() for key, value in record.items() if key}
            if not any(cleaned.values()):
                continue  # blank line
            yield reader.line_num, cleaned


def _month(value: str) -> str:
    match = MONTH_PATTERN.match(value)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"unparsable month {value!r} (expected YYYY-MM)")
    return value


# A comma is read as the decimal separator only when that is unambiguous ("1000,5"):
# "1,000" or "1,000.50" could be a thousands separator and is rejected, never guessed.
AMBIGUOUS_COMMA = re.compile(r"(,\d{3}(?!\d)|,.*[.,]|\..*,)")


def _amount(value: str, name: str) -> Decimal:
    compact = value.replace(" ", "").replace("\u00a0", "")
    if AMBIGUOUS_COMMA.search(compact):
        raise ValueError(
            f"{name} {value!r} is ambiguous (thousands separator?): write it without one, "
            "e.g. 1000 or 1000.50"
        )
    try:
        amount = Decimal(compact.replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"{name} {value!r} is not a number") from None
    if not amount.is_finite():
        raise ValueError(f"{name} {value!r} is not a number")
    if amount < 0:
        raise ValueError(f"negative {name} {value}")
    return amount.quantize(Decimal("0.01"))


def _account_key(value: str) -> str:
    if not ACCOUNT_KEY_PATTERN.match(value):
        raise ValueError(f"account_key {value!r} is not '<crm>:<account id>'")
    return value


def parse_sales_plan(path: Path, managers: KnownManagers | None = None) -> ParsedInput:
    """Read and validate the sales-plan CSV.

    Columns: ``account_key``, ``manager_id`` or ``manager_email``, ``month`` (YYYY-MM),
    ``metric``, ``target``. Rejected: unknown manager (when ``managers`` is given), unknown
    metric, negative or non-numeric target, unparsable month, duplicate target.
    """
    parsed = ParsedInput()
    seen: dict[tuple[str, str, str, str], int] = {}
    for line, record in _read(path, SALES_PLAN_REQUIRED):
        try:
            account_key = _account_key(record["account_key"])
            manager_id = record.get("manager_id") or None
            email = (record.get("manager_email") or "").lower() or None
            if manager_id is None and email is None:
                raise ValueError("neither manager_id nor manager_email is given")
            if managers is not None:
                manager_id = managers.resolve(account_key, manager_id, email)
            month = _month(record["month"])
            metric = record["metric"].lower()
            if metric not in PLAN_METRICS:
                raise ValueError(
                    f"unknown metric {metric!r} (known: {', '.join(sorted(PLAN_METRICS))})"
                )
            target = _amount(record["target"], "target")
            key = (account_key, manager_id or email or "", month, metric)
            if key in seen:
                raise ValueError(
                    f"duplicate target for {metric} in {month} (first given on line {seen[key]})"
                )
            seen[key] = line
        except ValueError as error:
            parsed.rejections.append(Rejection(str(path), line, str(error)))
            continue
        parsed.rows.append(
            {
                "account_key": account_key,
                "manager_id": manager_id,
                "manager_email": email,
                "month": month,
                "metric": metric,
                "target": target,
                "source_file": str(path),
                "source_line": line,
            }
        )
    return parsed


def parse_marketing_spend(path: Path, accounts: set[str] | None = None) -> ParsedInput:
    """Read and validate the marketing-spend CSV (``account_key, lead_source, month, spend``).

    Rejected: an account not in ``accounts`` (when given), empty lead source, unparsable
    month, negative, non-numeric or ambiguous spend (``1,000``), a second row for the same
    account, source and month.
    """
    parsed = ParsedInput()
    seen: dict[tuple[str, str, str], int] = {}
    for line, record in _read(path, MARKETING_SPEND_REQUIRED):
        try:
            account_key = _account_key(record["account_key"])
            if accounts is not None and account_key not in accounts:
                raise ValueError(f"unknown account {account_key!r} (no such account loaded)")
            lead_source = record["lead_source"]
            if not lead_source:
                raise ValueError("empty lead_source")
            month = _month(record["month"])
            spend = _amount(record["spend"], "spend")
            key = (account_key, lead_source, month)
            if key in seen:
                raise ValueError(
                    f"duplicate spend for {lead_source} in {month}"
                    f" (first given on line {seen[key]})"
                )
            seen[key] = line
        except ValueError as error:
            parsed.rejections.append(Rejection(str(path), line, str(error)))
            continue
        parsed.rows.append(
            {
                "account_key": account_key,
                "lead_source": lead_source,
                "month": month,
                "spend": spend,
                "source_file": str(path),
                "source_line": line,
            }
        )
    return parsed
