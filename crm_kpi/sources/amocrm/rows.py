"""How an amoCRM API item becomes a raw row."""

from __future__ import annotations

from typing import Any

Row = dict[str, Any]


def without_links(value: Any) -> Any:
    """``value`` without HAL ``_links`` at any depth (they name the host, not the data)."""
    # Scalars are most values: tested inline, not passed to a call each (hot: every row).
    if isinstance(value, dict):
        return {
            key: without_links(item) if isinstance(item, (dict, list)) else item
            for key, item in value.items()
            if key != "_links"
        }
    if isinstance(value, list):
        return [without_links(item) if isinstance(item, (dict, list)) else item for item in value]
    return value


def clean(item: Row, account_id: int, **extra: Any) -> Row:
    """Drop HAL links (noise) and make sure the row carries its account."""
    row = without_links(item)
    row.setdefault("account_id", account_id)
    row.update(extra)
    return row
