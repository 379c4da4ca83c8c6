"""Stand-in for dbt's `adapter` object when sqlfluff renders models (lint only)."""

from __future__ import annotations

from typing import Any

from jinja2 import pass_context


@pass_context
def dispatch(context: Any, macro_name: str, macro_namespace: str | None = None) -> Any:
    """Return the project's `duckdb__` (else `default__`) implementation of a dispatched macro."""
    for prefix in ("duckdb__", "default__"):
        candidate = context.get(prefix + macro_name)
        if candidate is not None:
            return candidate
    raise LookupError(f"sqlfluff stub: no implementation of {macro_name!r} in the macro path")


def quote(identifier: str) -> str:
    """Quote an identifier like dbt-duckdb."""
    return f'"{identifier}"'


def get_relation(**_kwargs: Any) -> None:
    """No database while linting: every relation is missing."""
    return None


def get_columns_in_relation(_relation: Any) -> list[Any]:
    """No database while linting: no columns."""
    return []
