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


def strip_links(value: Any) -> None:
    """Remove HAL ``_links`` from ``value`` in place, at any depth."""
    if isinstance(value, dict):
        value.pop("_links", None)
        for item in value.values():
            if isinstance(item, (dict, list)):
                strip_links(item)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (dict, list)):
                strip_links(item)


def clean_in_place(item: Row, account_id: int, **extra: Any) -> Row:
    """``clean`` without the copy, for an item nothing else holds (a page just read): the
    incremental lists, most of the rows (a copy of every row cost a fifth of the client)."""
    strip_links(item)
    item.setdefault("account_id", account_id)
    item.update(extra)
    return item


def with_account(item: Row, account_id: int, **extra: Any) -> Row:
    """The row with its account and ``extra``, links left for the Arrow conversion to drop."""
    item.setdefault("account_id", account_id)
    item.update(extra)
    return item
