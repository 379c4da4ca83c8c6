"""dlt source for amoCRM API v4: one resource per list endpoint, merged on primary keys.

Configuration follows dlt conventions (``.dlt/config.toml``, ``.dlt/secrets.toml`` or
environment variables): ``SOURCES__AMOCRM__SUBDOMAIN``, ``SOURCES__AMOCRM__ACCESS_TOKEN``
(a long-lived token), optionally ``SOURCES__AMOCRM__BASE_URL`` (default
``https://{subdomain}.amocrm.ru``), ``SOURCES__AMOCRM__REQUESTS_PER_SECOND`` (default 6)
and ``SOURCES__AMOCRM__EVENT_TYPES`` (comma-separated; default: the types the models read).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cached_property
from typing import Any

import dlt
from dlt.sources import DltResource

from .helpers.client import AmoRestClient
from .settings import (
    ACCOUNT_TABLE,
    CURSOR_OVERLAP_SECONDS,
    DEFAULT_BASE_URL,
    LIST_ENDPOINTS,
    PIPELINE_STATUSES_TABLE,
    PIPELINES,
    PRIMARY_KEY,
    TASK_TYPES_COLUMNS,
    TASK_TYPES_TABLE,
    USERS_GROUPS_COLUMNS,
    USERS_GROUPS_TABLE,
    Endpoint,
)

__all__ = ["amocrm_source", "resolve_base_url"]

Row = dict[str, Any]


def resolve_base_url(subdomain: str, base_url: str | None) -> str:
    """The account's address: an explicit base URL wins, else the amocrm.ru default."""
    return (base_url or DEFAULT_BASE_URL.format(subdomain=subdomain)).rstrip("/")


class _Account:
    """The account, fetched once per run on first use, whose id tags every row."""

    def __init__(self, client: AmoRestClient) -> None:
        self._client = client

    @cached_property
    def payload(self) -> Row:
        return self._client.get_object(
            "account", params={"with": "datetime_settings,users_groups,task_types"}
        )

    @property
    def id(self) -> int:
        return int(self.payload["id"])


def _clean(item: Row, account_id: int) -> Row:
    """Drop HAL links (noise) and make sure the row carries its account."""
    row = {key: value for key, value in item.items() if key != "_links"}
    row.setdefault("account_id", account_id)
    return row


def _list_resource(
    client: AmoRestClient,
    account: _Account,
    endpoint: Endpoint,
    overrides: dict[str, dict[str, Any]],
) -> DltResource:
    """A dlt resource for one list endpoint, incremental when the endpoint has a cursor."""

    def pages(params: dict[str, Any]) -> Iterator[list[Row]]:
        for page in client.iter_pages(endpoint.path, endpoint.data_key, params, endpoint.table):
            yield [_clean(item, account.id) for item in page]

    base_params = {"limit": endpoint.limit, **endpoint.params, **overrides.get(endpoint.table, {})}
    if endpoint.cursor is None:

        def rows() -> Iterator[list[Row]]:
            yield from pages(base_params)

    else:

        def rows(  # type: ignore[misc]
            cursor: dlt.sources.incremental[int] = dlt.sources.incremental(
                endpoint.cursor, initial_value=0, lag=CURSOR_OVERLAP_SECONDS
            ),
        ) -> Iterator[list[Row]]:
            params = dict(base_params)
            if cursor.start_value:
                params[endpoint.cursor_filter] = cursor.start_value
            yield from pages(params)

    return dlt.resource(
        rows,
        name=endpoint.table,
        primary_key=list(endpoint.primary_key),
        write_disposition="merge",
        columns=endpoint.columns,
    )


def _account_resources(client: AmoRestClient, account: _Account) -> list[DltResource]:
    def account_rows() -> Iterator[Row]:
        payload = _clean(account.payload, account.id)
        payload["account_id"] = account.id
        yield payload

    def embedded(key: str) -> Iterator[Row]:
        for item in (account.payload.get("_embedded") or {}).get(key) or []:
            yield _clean(item, account.id)

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


def _pipeline_statuses(client: AmoRestClient, account: _Account) -> DltResource:
    """Statuses embedded in the pipelines list (same as /leads/pipelines/{id}/statuses)."""

    def statuses() -> Iterator[list[Row]]:
        for page in client.iter_pages(PIPELINES.path, PIPELINES.data_key, {}, "pipeline_statuses"):
            for pipeline in page:
                embedded = (pipeline.get("_embedded") or {}).get("statuses") or []
                yield [
                    _clean({**status, "pipeline_id": pipeline["id"]}, account.id)
                    for status in embedded
                ]

    return dlt.resource(
        statuses,
        name=PIPELINE_STATUSES_TABLE,
        primary_key=["account_id", "pipeline_id", "id"],
        write_disposition="merge",
    )


@dlt.source(name="amocrm", max_table_nesting=0)
def amocrm_source(
    subdomain: str = dlt.config.value,
    access_token: str = dlt.secrets.value,
    base_url: str | None = None,
    requests_per_second: float = 6.0,
    event_types: str | None = None,
) -> Sequence[DltResource]:
    """Every amoCRM entity the KPI marts need, as dlt resources (no HTTP until they run).

    Args:
        subdomain: the account's subdomain (``example`` in ``example.amocrm.ru``).
        access_token: a long-lived token of a private integration (Bearer).
        base_url: the account's address when it is not ``https://{subdomain}.amocrm.ru``
            (``.amocrm.com``, ``.kommo.com``, or a local emulator).
        requests_per_second: client-side throttle; amoCRM allows 7 per second.
        event_types: comma-separated event types to load instead of ``EVENT_TYPES``.
    """
    client = AmoRestClient(resolve_base_url(subdomain, base_url), access_token, requests_per_second)
    account = _Account(client)
    overrides = {"events": {"filter[type]": event_types}} if event_types else {}
    return [
        *_account_resources(client, account),
        *(_list_resource(client, account, endpoint, overrides) for endpoint in LIST_ENDPOINTS),
        _pipeline_statuses(client, account),
    ]
