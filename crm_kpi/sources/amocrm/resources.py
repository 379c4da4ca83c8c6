"""The amoCRM resources read whole on every run, and the ones derived from other resources."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dlt
import orjson
import pyarrow as pa
from dlt.sources import DltResource

from crm_kpi.sources.common.arrow_pages import ArrowPages
from crm_kpi.sources.common.errors import skip_if_optional

from .connection import AccountConnection
from .helpers.custom_fields import enum_rows, value_rows
from .rows import clean
from .settings import (
    ACCOUNT_TABLE,
    API_PREFIX,
    CUSTOM_FIELD_ENTITIES,
    CUSTOM_FIELD_ENUMS_TABLE,
    CUSTOM_FIELD_VALUES_KEY,
    CUSTOM_FIELDS_TABLE,
    DELETED_ENTITIES_TABLE,
    PIPELINE_STATUSES_TABLE,
    PIPELINES,
    PRIMARY_KEY,
    TAGS_TABLE,
    TASK_TYPES_COLUMNS,
    TASK_TYPES_TABLE,
    USERS_GROUPS_COLUMNS,
    USERS_GROUPS_TABLE,
    Endpoint,
    is_optional,
)

Row = dict[str, Any]
SINGULAR = {"leads": "lead", "contacts": "contact", "companies": "company"}
CUSTOM_FIELDS_VALUES = "custom_fields_values"  # the entities' field holding them


def _guarded(
    pages: Iterator[list[Row]], connection: AccountConnection, path: str
) -> Iterator[list[Row]]:
    """``pages``, skipped with a warning when an optional endpoint fails permanently."""
    return skip_if_optional(
        pages,
        optional=is_optional(path),
        crm="amoCRM",
        account=connection.key,
        endpoint=f"GET {API_PREFIX}/{path}",
    )


def list_resource(connections: list[AccountConnection], endpoint: Endpoint) -> DltResource:
    """A small list read whole on every run (users, pipelines, loss reasons, sources)."""

    def rows() -> Iterator[list[Row]]:
        for connection in connections:
            if endpoint is PIPELINES:
                yield [clean(item, connection.id) for item in connection.pipelines]
                continue
            params = {"limit": endpoint.limit, **endpoint.params}
            name = f"{endpoint.table} [{connection.key}]"
            pages = connection.client.iter_pages(endpoint.path, endpoint.data_key, params, name)
            for page in _guarded(pages, connection, endpoint.path):
                yield [clean(item, connection.id, **endpoint.constant) for item in page]

    return dlt.resource(
        rows,
        name=endpoint.table,
        primary_key=list(endpoint.primary_key),
        write_disposition="merge",
        columns=endpoint.columns,
    )


def account_resources(connections: list[AccountConnection]) -> list[DltResource]:
    def account_rows() -> Iterator[Row]:
        for connection in connections:
            payload = clean(connection.payload, connection.id)
            payload["account_id"] = connection.id
            yield payload

    def embedded(key: str) -> Iterator[Row]:
        for connection in connections:
            for item in (connection.payload.get("_embedded") or {}).get(key) or []:
                yield clean(item, connection.id)

    return [
        dlt.resource(
            account_rows,
            name=ACCOUNT_TABLE,
            primary_key=list(PRIMARY_KEY),
            write_disposition="merge",
            columns={"_embedded": {"data_type": "json"}},
        ),
        dlt.resource(
            lambda: embedded("users_groups"),
            name=USERS_GROUPS_TABLE,
            primary_key=list(PRIMARY_KEY),
            write_disposition="merge",
            columns=USERS_GROUPS_COLUMNS,
        ),
        dlt.resource(
            lambda: embedded("task_types"),
            name=TASK_TYPES_TABLE,
            primary_key=list(PRIMARY_KEY),
            write_disposition="merge",
            columns=TASK_TYPES_COLUMNS,
        ),
    ]


def pipeline_statuses(connections: list[AccountConnection]) -> DltResource:
    """Statuses embedded in the pipelines list (same as /leads/pipelines/{id}/statuses)."""

    def statuses() -> Iterator[list[Row]]:
        for connection in connections:
            for pipeline in connection.pipelines:  # the request the pipelines table made
                embedded = (pipeline.get("_embedded") or {}).get("statuses") or []
                yield [
                    clean({**status, "pipeline_id": pipeline["id"]}, connection.id)
                    for status in embedded
                ]

    return dlt.resource(
        statuses,
        name=PIPELINE_STATUSES_TABLE,
        primary_key=["account_id", "pipeline_id", "id"],
        write_disposition="merge",
    )


def custom_field_resources(connections: list[AccountConnection]) -> list[DltResource]:
    """Definitions (with enums as JSON) and their enum options as a table of their own."""

    def definitions() -> Iterator[list[Row]]:
        for connection in connections:
            for entity in CUSTOM_FIELD_ENTITIES:
                yield [
                    clean(item, connection.id, entity_type=entity)
                    for item in connection.custom_fields(entity)
                ]

    def enums() -> Iterator[list[Row]]:
        for connection in connections:
            for entity in CUSTOM_FIELD_ENTITIES:
                yield [
                    row
                    for item in connection.custom_fields(entity)
                    for row in enum_rows(item, connection.id, entity)
                ]

    return [
        dlt.resource(
            definitions,
            name=CUSTOM_FIELDS_TABLE,
            primary_key=["account_id", "entity_type", "id"],
            write_disposition="merge",
            columns={
                "entity_type": {"data_type": "text"},
                "enums": {"data_type": "json", "nullable": True},
                "code": {"data_type": "text", "nullable": True},
                "group_id": {"data_type": "text", "nullable": True},
                "required_statuses": {"data_type": "json", "nullable": True},
                "hidden_statuses": {"data_type": "json", "nullable": True},
                "triggers": {"data_type": "json", "nullable": True},
                "chained_lists": {"data_type": "json", "nullable": True},
                "tracking_callback": {"data_type": "text", "nullable": True},
                "remind": {"data_type": "text", "nullable": True},
                "currency": {"data_type": "text", "nullable": True},
            },
        ),
        dlt.resource(
            enums,
            name=CUSTOM_FIELD_ENUMS_TABLE,
            primary_key=["account_id", "entity_type", "field_id", "id"],
            write_disposition="merge",
            columns={"value": {"data_type": "text", "nullable": True}},
        ),
    ]


CUSTOM_FIELD_VALUES_COLUMNS = {
    "entity_type": {"data_type": "text"},
    "field_name": {"data_type": "text", "nullable": True},
    "field_code": {"data_type": "text", "nullable": True},
    "field_type": {"data_type": "text", "nullable": True},
    "value": {"data_type": "text", "nullable": True},
    "enum_id": {"data_type": "bigint", "nullable": True},
    "enum_code": {"data_type": "text", "nullable": True},
    "enum_label": {"data_type": "text", "nullable": True},
    "updated_at": {"data_type": "bigint", "nullable": True},
}
_ENTITY_FIELDS = ("account_id", "id", "updated_at", CUSTOM_FIELDS_VALUES)


def _entities(items: pa.Table | list[Row]) -> list[Row]:
    """The fields of the parent's page that the values need (custom fields parsed again
    from the JSON text of an Arrow page, where there are any)."""
    if not isinstance(items, pa.Table):
        return items
    entities = items.select(list(_ENTITY_FIELDS)).to_pylist()
    for entity in entities:
        if entity[CUSTOM_FIELDS_VALUES] is not None:
            entity[CUSTOM_FIELDS_VALUES] = orjson.loads(entity[CUSTOM_FIELDS_VALUES])
    return entities


def custom_field_values(
    parent: DltResource, entity: str, connections: list[AccountConnection], arrow: bool = True
) -> DltResource:
    """Long-form values of the entities ``parent`` loads (replaced per entity)."""
    by_account = {}
    name = f"{SINGULAR[entity]}_custom_field_values"
    pages = ArrowPages(
        name,
        CUSTOM_FIELD_VALUES_COLUMNS,
        row_name="entity_id",
        primary_key=CUSTOM_FIELD_VALUES_KEY,
    )
    pages = pages if arrow else None

    def values(items: pa.Table | list[Row]) -> Iterator[Any]:
        if not by_account:
            by_account.update({connection.id: connection for connection in connections})
        rows = []
        for item in _entities(items):
            connection = by_account[int(item["account_id"])]
            rows.extend(value_rows(item, connection.id, entity, connection.labels[entity]))
        yield pages.table_of(rows, f"the values of a page of {entity}") if pages else rows

    return dlt.transformer(
        values,
        data_from=parent,
        name=name,
        primary_key=list(CUSTOM_FIELD_VALUES_KEY),
        merge_key=["account_id", "entity_type", "entity_id"],
        write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        columns=CUSTOM_FIELD_VALUES_COLUMNS,
    )


def tags(connections: list[AccountConnection]) -> DltResource:
    """Tags of leads, contacts and companies (``GET /api/v4/{entity}/tags``)."""

    def rows() -> Iterator[list[Row]]:
        for connection in connections:
            for entity in CUSTOM_FIELD_ENTITIES:
                name = f"{entity} tags [{connection.key}]"
                path = f"{entity}/tags"
                pages = connection.client.iter_pages(path, "tags", {"limit": 250}, name)
                for page in _guarded(pages, connection, path):
                    yield [clean(item, connection.id, entity_type=entity) for item in page]

    return dlt.resource(
        rows,
        name=TAGS_TABLE,
        primary_key=["account_id", "entity_type", "id"],
        write_disposition="merge",
        columns={
            "entity_type": {"data_type": "text"},
            "color": {"data_type": "text", "nullable": True},
        },
    )


def deleted_entities(connections: list[AccountConnection]) -> DltResource:
    """Reconciliation: what sits in each account's bin now (``with=only_deleted``).

    Deletion and restoration events flag records as they happen; this snapshot catches what
    events missed (e.g. events older than the first load). Replaced on every run.
    """

    def rows() -> Iterator[list[Row]]:
        for connection in connections:
            for entity in CUSTOM_FIELD_ENTITIES:
                name = f"deleted {entity} [{connection.key}]"
                params = {"with": "only_deleted", "limit": 250}
                for page in connection.client.iter_pages(entity, entity, params, name):
                    yield [
                        {
                            "account_id": connection.id,
                            "entity_type": entity,
                            "id": item["id"],
                            "updated_at": item.get("updated_at"),
                            "updated_by": item.get("updated_by"),
                            "is_deleted": True,
                        }
                        for item in page
                        if item.get("is_deleted", True)
                    ]

    return dlt.resource(
        rows,
        name=DELETED_ENTITIES_TABLE,
        primary_key=["account_id", "entity_type", "id"],
        write_disposition="replace",
        columns={
            "entity_type": {"data_type": "text"},
            "updated_at": {"data_type": "bigint", "nullable": True},
            "updated_by": {"data_type": "bigint", "nullable": True},
            "is_deleted": {"data_type": "bool"},
        },
    )
