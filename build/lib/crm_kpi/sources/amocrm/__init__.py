"""dlt source for amoCRM API v4: one resource per entity, merged on primary keys.

Configuration follows dlt conventions (``.dlt/config.toml``, ``.dlt/secrets.toml`` or
environment variables): ``SOURCES__AMOCRM__SUBDOMAIN`` and either
``SOURCES__AMOCRM__ACCESS_TOKEN`` (a long-lived token) or OAuth
(``SOURCES__AMOCRM__CLIENT_ID``, ``..._CLIENT_SECRET``, ``..._REDIRECT_URI``, and for the first
run ``..._AUTHORIZATION_CODE``; the rotating tokens live in ``..._TOKEN_PATH``, default
``$CRM_KPI_DATA_DIR/tokens/amocrm_<subdomain>.json``). Optional: ``..._BASE_URL`` (default
``https://{subdomain}.amocrm.ru``), ``..._REQUESTS_PER_SECOND`` (default 6),
``..._EVENT_TYPES`` (comma-separated). Several accounts: ``SOURCES__AMOCRM__ACCOUNTS=a,b`` with
``SOURCES__AMOCRM__A__SUBDOMAIN``, ... (see ``helpers/accounts.py``). Every row carries its
``account_id``; incremental cursors are kept per account.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from functools import cached_property
from typing import Any

import dlt
from dlt.sources import DltResource

from crm_kpi.config import get_settings
from crm_kpi.sources.common.errors import skip_if_optional
from crm_kpi.sources.common.token_store import TokenStore

from .helpers.accounts import AccountSettings, configured_accounts
from .helpers.auth import AmoOAuth2Auth, TokenEndpoint
from .helpers.client import AmoRestClient, RetryPolicy
from .helpers.custom_fields import enum_labels, enum_rows, value_rows
from .helpers.paginators import DescendingScanPaginator, FilterNotHonoured, KeysetPaginator
from .helpers.throttle import RequestThrottle
from .settings import (
    ACCOUNT_TABLE,
    API_PREFIX,
    CURSOR_OVERLAP_SECONDS,
    CUSTOM_FIELD_ENTITIES,
    CUSTOM_FIELD_ENUMS_TABLE,
    CUSTOM_FIELD_VALUES_KEY,
    CUSTOM_FIELDS_TABLE,
    DEFAULT_REQUESTS_PER_SECOND,
    DELETED_ENTITIES_TABLE,
    LIST_ENDPOINTS,
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

__all__ = ["AccountConnection", "amocrm_source", "resolve_base_url"]

Row = dict[str, Any]
logger = logging.getLogger("crm_kpi.ingestion.amocrm")

ACCOUNT_WITH = "datetime_settings,users_groups,task_types,is_api_filter_enabled"
SINGULAR = {"leads": "lead", "contacts": "contact", "companies": "company"}


def resolve_base_url(subdomain: str, base_url: str | None) -> str:
    """The account's address: an explicit base URL wins, else the amocrm.ru default."""
    return AccountSettings(name="default", subdomain=subdomain, base_url=base_url).url


class AccountConnection:
    """One account: its client (auth, throttle, retries), its account object and dictionaries.

    Nothing is requested until a resource needs it.
    """

    def __init__(self, settings: AccountSettings, retry: RetryPolicy) -> None:
        self.settings = settings
        self.retry = retry
        self.throttle = RequestThrottle(settings.requests_per_second or DEFAULT_REQUESTS_PER_SECOND)

    @cached_property
    def client(self) -> AmoRestClient:
        """The REST client, authenticated with the long-lived token or OAuth."""
        settings = self.settings
        settings.validate()
        oauth = settings.oauth
        if oauth is None or settings.access_token:
            return AmoRestClient(
                settings.url, str(settings.access_token), 0, self.retry, self.throttle
            )
        client = AmoRestClient(settings.url, "pending", 0, self.retry, self.throttle)
        store = TokenStore(settings.tokens_file(get_settings().data_dir))
        auth = AmoOAuth2Auth(store, TokenEndpoint(settings.url, oauth, client.plain_session()))
        auth.bootstrap(settings.authorization_code)
        client.auth = auth
        return client

    @cached_property
    def payload(self) -> Row:
        """``GET /api/v4/account`` with the parts the models read."""
        return self.client.get_object("account", params={"with": ACCOUNT_WITH})

    @property
    def id(self) -> int:
        """The account id, which tags every row."""
        return int(self.payload["id"])

    @property
    def key(self) -> str:
        """``amocrm:<account id>``: the tenant key of the catalogue, and of cursor state."""
        return f"amocrm:{self.id}"

    @property
    def filters_enabled(self) -> bool:
        """What the account says about API filters (absent: assume on, then verify)."""
        return self.payload.get("is_api_filter_enabled") is not False

    @cached_property
    def pipelines(self) -> list[Row]:
        """The pipelines with their statuses (one request serves two tables)."""
        rows: list[Row] = []
        name = f"pipelines [{self.key}]"
        for page in self.client.iter_pages(PIPELINES.path, PIPELINES.data_key, {}, name):
            rows.extend(page)
        return rows

    @cached_property
    def _custom_fields(self) -> dict[str, list[Row]]:
        result = {}
        for entity in CUSTOM_FIELD_ENTITIES:
            rows: list[Row] = []
            for page in self.client.iter_pages(
                f"{entity}/custom_fields", "custom_fields", {"limit": 50}, f"{entity} custom fields"
            ):
                rows.extend(page)
            result[entity] = rows
        return result

    def custom_fields(self, entity: str) -> list[Row]:
        """The custom field definitions of ``leads``, ``contacts`` or ``companies``."""
        return self._custom_fields[entity]

    @cached_property
    def labels(self) -> dict[str, dict[tuple[int, int], str]]:
        """Enum labels per entity: ``(field_id, enum_id) -> label``."""
        return {entity: enum_labels(self.custom_fields(entity)) for entity in CUSTOM_FIELD_ENTITIES}


def _without_links(value: Any) -> Any:
    """``value`` without HAL ``_links`` at any depth (they name the host, not the data)."""
    if isinstance(value, dict):
        return {key: _without_links(item) for key, item in value.items() if key != "_links"}
    if isinstance(value, list):
        return [_without_links(item) for item in value]
    return value


def _clean(item: Row, account_id: int, **extra: Any) -> Row:
    """Drop HAL links (noise) and make sure the row carries its account."""
    row = _without_links(item)
    row.setdefault("account_id", account_id)
    row.update(extra)
    return row


def _cursor_scan(
    connection: AccountConnection, endpoint: Endpoint, params: dict[str, Any], start: int
) -> Iterator[list[Row]]:
    """Pages changed at or after ``start``: keyset when filters work, else newest-first."""
    client, cursor = connection.client, str(endpoint.cursor)
    name = f"{endpoint.table} [{connection.key}]"
    if not endpoint.keyset:
        # Append-only or id-ordered lists: page numbers with the filter are safe.
        params = {**params, f"filter[{cursor}][from]": start, "limit": endpoint.limit}
        warned = False
        for page in client.iter_pages(endpoint.path, endpoint.data_key, params, name):
            kept = [row for row in page if int(row.get(cursor) or 0) >= start]
            if len(kept) < len(page) and not warned:
                warned = True
                logger.warning(
                    "amocrm %s: the account ignores filter[%s]; reading the whole list "
                    "(costs requests in proportion to its size)",
                    name,
                    cursor,
                )
            yield kept
        return
    if connection.filters_enabled:
        try:
            yield from client.iter_pages(
                endpoint.path,
                endpoint.data_key,
                params,
                name,
                KeysetPaginator(cursor, start, endpoint.limit),
            )
            return
        except FilterNotHonoured as error:
            logger.warning(
                "amocrm %s: %s; the account does not honour API filters, falling back to an "
                "ordered scan (newest first)",
                name,
                error,
            )
    for page in client.iter_pages(
        endpoint.path,
        endpoint.data_key,
        params,
        name,
        DescendingScanPaginator(cursor, start, endpoint.limit),
    ):
        yield [row for row in page if int(row.get(cursor) or 0) >= start]


def _cursor_resource(
    connections: list[AccountConnection], endpoint: Endpoint, overrides: dict[str, Any]
) -> DltResource:
    """An incremental resource: per account, rows changed since that account's cursor."""
    cursor = str(endpoint.cursor)
    params = {**endpoint.params, **overrides}

    def rows() -> Iterator[list[Row]]:
        state = dlt.current.resource_state()
        cursors: dict[str, int] = state.setdefault("cursors", {})
        for connection in connections:
            last = int(cursors.get(connection.key, 0))
            start = max(0, last - CURSOR_OVERLAP_SECONDS) if last else 0
            seen: dict[Any, int] = {}
            newest = last
            for page in _cursor_scan(connection, endpoint, params, start):
                fresh = []
                for item in page:
                    value = int(item.get(cursor) or 0)
                    if seen.get(item["id"], -1) >= value:
                        continue  # read twice (overlap, or moved during the scan)
                    seen[item["id"]] = value
                    newest = max(newest, value)
                    fresh.append(_clean(item, connection.id, **endpoint.constant))
                if fresh:
                    yield fresh
            cursors[connection.key] = newest

    columns = {**endpoint.columns, cursor: {"data_type": "bigint", "dedup_sort": "desc"}}
    return dlt.resource(
        rows,
        name=endpoint.table,
        primary_key=list(endpoint.primary_key),
        write_disposition="merge",
        columns=columns,
    )


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


def _list_resource(connections: list[AccountConnection], endpoint: Endpoint) -> DltResource:
    """A small list read whole on every run (users, pipelines, loss reasons, sources)."""

    def rows() -> Iterator[list[Row]]:
        for connection in connections:
            if endpoint is PIPELINES:
                yield [_clean(item, connection.id) for item in connection.pipelines]
                continue
            params = {"limit": endpoint.limit, **endpoint.params}
            name = f"{endpoint.table} [{connection.key}]"
            pages = connection.client.iter_pages(endpoint.path, endpoint.data_key, params, name)
            for page in _guarded(pages, connection, endpoint.path):
                yield [_clean(item, connection.id, **endpoint.constant) for item in page]

    return dlt.resource(
        rows,
        name=endpoint.table,
        primary_key=list(endpoint.primary_key),
        write_disposition="merge",
        columns=endpoint.columns,
    )


def _account_resources(connections: list[AccountConnection]) -> list[DltResource]:
    def account_rows() -> Iterator[Row]:
        for connection in connections:
            payload = _clean(connection.payload, connection.id)
            payload["account_id"] = connection.id
            yield payload

    def embedded(key: str) -> Iterator[Row]:
        for connection in connections:
            for item in (connection.payload.get("_embedded") or {}).get(key) or []:
                yield _clean(item, connection.id)

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


def _pipeline_statuses(connections: list[AccountConnection]) -> DltResource:
    """Statuses embedded in the pipelines list (same as /leads/pipelines/{id}/statuses)."""

    def statuses() -> Iterator[list[Row]]:
        for connection in connections:
            name = f"pipeline_statuses [{connection.key}]"
            for page in connection.client.iter_pages(PIPELINES.path, PIPELINES.data_key, {}, name):
                for pipeline in page:
                    embedded = (pipeline.get("_embedded") or {}).get("statuses") or []
                    yield [
                        _clean({**status, "pipeline_id": pipeline["id"]}, connection.id)
                        for status in embedded
                    ]

    return dlt.resource(
        statuses,
        name=PIPELINE_STATUSES_TABLE,
        primary_key=["account_id", "pipeline_id", "id"],
        write_disposition="merge",
    )


def _custom_field_resources(connections: list[AccountConnection]) -> list[DltResource]:
    """Definitions (with enums as JSON) and their enum options as a table of their own."""

    def definitions() -> Iterator[list[Row]]:
        for connection in connections:
            for entity in CUSTOM_FIELD_ENTITIES:
                yield [
                    _clean(item, connection.id, entity_type=entity)
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


def _custom_field_values(parent: DltResource, entity: str, connections: list[AccountConnection]):
    """Long-form values of the entities ``parent`` loads (replaced per entity)."""
    by_account = {}

    def values(items: list[Row]) -> Iterator[list[Row]]:
        if not by_account:
            by_account.update({connection.id: connection for connection in connections})
        rows = []
        for item in items:
            connection = by_account[int(item["account_id"])]
            rows.extend(value_rows(item, connection.id, entity, connection.labels[entity]))
        yield rows

    return dlt.transformer(
        values,
        data_from=parent,
        name=f"{SINGULAR[entity]}_custom_field_values",
        primary_key=list(CUSTOM_FIELD_VALUES_KEY),
        merge_key=["account_id", "entity_type", "entity_id"],
        write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        columns={
            "entity_type": {"data_type": "text"},
            "field_name": {"data_type": "text", "nullable": True},
            "field_code": {"data_type": "text", "nullable": True},
            "field_type": {"data_type": "text", "nullable": True},
            "value": {"data_type": "text", "nullable": True},
            "enum_id": {"data_type": "bigint", "nullable": True},
            "enum_code": {"data_type": "text", "nullable": True},
            "enum_label": {"data_type": "text", "nullable": True},
            "updated_at": {"data_type": "bigint", "nullable": True},
        },
    )


def _tags(connections: list[AccountConnection]) -> DltResource:
    """Tags of leads, contacts and companies (``GET /api/v4/{entity}/tags``)."""

    def rows() -> Iterator[list[Row]]:
        for connection in connections:
            for entity in CUSTOM_FIELD_ENTITIES:
                name = f"{entity} tags [{connection.key}]"
                path = f"{entity}/tags"
                pages = connection.client.iter_pages(path, "tags", {"limit": 250}, name)
                for page in _guarded(pages, connection, path):
                    yield [_clean(item, connection.id, entity_type=entity) for item in page]

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


def _deleted_entities(connections: list[AccountConnection]) -> DltResource:
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


def _event_type_list(event_types: str | Sequence[str] | None) -> list[str]:
    """``"a,b"``, ``'["a", "b"]'`` or ``["a", "b"]`` as a list of event types."""
    if not event_types:
        return []
    if isinstance(event_types, str):
        text = event_types.strip()
        if text.startswith("["):
            return [str(item).strip() for item in json.loads(text) if str(item).strip()]
        return [part.strip() for part in text.split(",") if part.strip()]
    return [str(item).strip() for item in event_types if str(item).strip()]


@dlt.source(name="amocrm", max_table_nesting=0)
def amocrm_source(
    subdomain: str | None = dlt.config.value,
    access_token: str | None = dlt.secrets.value,
    base_url: str | None = None,
    requests_per_second: float = DEFAULT_REQUESTS_PER_SECOND,
    event_types: str | list[str] | None = None,
    client_id: str | None = None,
    client_secret: str | None = dlt.secrets.value,
    redirect_uri: str | None = None,
    authorization_code: str | None = dlt.secrets.value,
    token_path: str | None = None,
    accounts: str | None = None,
    max_attempts: int = 5,
    backoff_factor: float = 1.0,
    request_timeout: float = 60.0,
) -> Sequence[DltResource]:
    """Every amoCRM entity the KPI marts need, as dlt resources (no HTTP until they run).

    Args:
        subdomain: the account's subdomain (``example`` in ``example.amocrm.ru``).
        access_token: a long-lived token of a private integration (Bearer).
        base_url: the account's address when it is not ``https://{subdomain}.amocrm.ru``
            (``.amocrm.com``, ``.kommo.com``, or a local emulator).
        requests_per_second: client-side throttle per account; amoCRM allows 7.
        event_types: event types to load instead of ``EVENT_TYPES`` (comma-separated, a JSON
            list, or a list).
        client_id, client_secret, redirect_uri: OAuth 2.0 instead of a long-lived token.
        authorization_code: exchanged for the first token pair when no tokens are stored.
        token_path: the file that keeps the rotating OAuth tokens.
        accounts: comma-separated account names, each configured under
            ``sources.amocrm.<name>`` (several accounts into one warehouse).
        max_attempts, backoff_factor, request_timeout: bounded retries of 429, 5xx, timeouts
            and connection resets (a 403 block is never retried).
    """
    defaults = AccountSettings(
        name="default",
        subdomain=subdomain,
        base_url=base_url,
        access_token=access_token,
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=redirect_uri,
        authorization_code=authorization_code,
        token_path=token_path,
        requests_per_second=float(requests_per_second),
    )
    retry = RetryPolicy(
        max_attempts=max_attempts, backoff_factor=backoff_factor, timeout=request_timeout
    )
    connections = [
        AccountConnection(account, retry) for account in configured_accounts(accounts, defaults)
    ]
    types = _event_type_list(event_types)
    overrides = {"events": {"filter[type]": ",".join(types)}} if types else {}
    resources: list[DltResource] = [
        *_account_resources(connections),
        _pipeline_statuses(connections),
        *_custom_field_resources(connections),
        _tags(connections),
    ]
    for endpoint in LIST_ENDPOINTS:
        if endpoint.cursor is None:
            resources.append(_list_resource(connections, endpoint))
            continue
        resource = _cursor_resource(connections, endpoint, overrides.get(endpoint.table, {}))
        resources.append(resource)
        if endpoint.custom_fields_entity:
            resources.append(
                _custom_field_values(resource, endpoint.custom_fields_entity, connections)
            )
    resources.append(_deleted_entities(connections))
    return resources
