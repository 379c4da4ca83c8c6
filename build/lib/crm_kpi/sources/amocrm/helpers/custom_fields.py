"""Custom fields of leads, contacts and companies: definitions, enum options, long-form values.

amoCRM sends ``custom_fields_values`` as ``null`` (nothing filled) or a list of
``{field_id, field_name, field_code, field_type, values: [{value, enum_id, enum_code}]}``.
Each value becomes one row. An entity with no value at all still gets one marker row
(``field_id`` 0) so that, merged by entity, the values it had before are deleted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

Row = dict[str, Any]

NO_VALUES_FIELD_ID = 0  # marker row of an entity without values; staging drops it


def enum_labels(definitions: Iterable[Row]) -> dict[tuple[int, int], str]:
    """``(field_id, enum_id) -> label`` from custom field definitions."""
    labels = {}
    for definition in definitions:
        for enum in definition.get("enums") or []:
            labels[(int(definition["id"]), int(enum["id"]))] = str(enum.get("value"))
    return labels


def enum_rows(definition: Row, account_id: int, entity_type: str) -> Iterator[Row]:
    """One row per enum option of a definition."""
    for enum in definition.get("enums") or []:
        yield {
            "account_id": account_id,
            "entity_type": entity_type,
            "field_id": definition["id"],
            "id": enum["id"],
            "value": enum.get("value"),
            "sort": enum.get("sort"),
        }


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def value_rows(
    entity: Row, account_id: int, entity_type: str, labels: dict[tuple[int, int], str]
) -> Iterator[Row]:
    """The long-form values of one lead, contact or company (at least one marker row)."""
    base = {"account_id": account_id, "entity_type": entity_type, "entity_id": entity["id"]}
    index = 0
    for field in entity.get("custom_fields_values") or []:
        field_id = int(field["field_id"])
        for value in field.get("values") or []:
            value = value if isinstance(value, dict) else {"value": value}
            enum_id = value.get("enum_id")
            enum_code = value.get("enum_code", value.get("enum"))
            label = labels.get((field_id, int(enum_id))) if enum_id is not None else None
            yield {
                **base,
                "field_id": field_id,
                "value_index": index,
                "field_name": field.get("field_name"),
                "field_code": field.get("field_code"),
                "field_type": field.get("field_type"),
                "value": _text(value.get("value")),
                "enum_id": enum_id,
                "enum_code": _text(enum_code),
                "enum_label": None if enum_id is None else (label or _text(value.get("value"))),
                "updated_at": entity.get("updated_at"),
            }
            index += 1
    if index == 0:
        yield {
            **base,
            "field_id": NO_VALUES_FIELD_ID,
            "value_index": 0,
            "updated_at": entity.get("updated_at"),
        }
