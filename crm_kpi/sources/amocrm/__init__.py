"""dlt source for amoCRM API v4: one resource per entity, merged on primary keys.

Configuration follows dlt conventions (``.dlt/config.toml``, ``.dlt/secrets.toml`` or
environment variables): ``SOURCES__AMOCRM__SUBDOMAIN`` and either
``SOURCES__AMOCRM__ACCESS_TOKEN`` (a long-lived token) or OAuth
(``SOURCES__AMOCRM__CLIENT_ID``, ``..._CLIENT_SECRET``, ``..._REDIRECT_URI``, and for the first
run ``..._AUTHORIZATION_CODE``; the rotating tokens live in ``..._TOKEN_PATH``, default
``$CRM_KPI_DATA_DIR/tokens/amocrm_<subdomain>.json``). Optional: ``..._BASE_URL`` (default
``https://{subdomain}.amocrm.ru``), ``..._REQUESTS_PER_SECOND`` (default 6),
``..._EVENT_TYPES`` (comma-separated), ``..._PROXY`` (``env``, ``none`` or a URL). Several
accounts: ``SOURCES__AMOCRM__ACCOUNTS=a,b`` with
``SOURCES__AMOCRM__A__SUBDOMAIN``, ... (see ``helpers/accounts.py``). Every row carries its
``account_id``; incremental cursors are kept per account.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import dlt
from dlt.sources import DltResource

from .connection import AccountConnection, resolve_base_url
from .helpers.accounts import AccountSettings, configured_accounts
from .helpers.client import RetryPolicy
from .incremental import cursor_resource
from .resources import (
    account_resources,
    custom_field_resources,
    custom_field_values,
    deleted_entities,
    list_resource,
    pipeline_statuses,
    tags,
)
from .settings import (
    DEFAULT_REQUESTS_PER_SECOND,
    LIST_ENDPOINTS,
)

__all__ = ["AccountConnection", "amocrm_source", "resolve_base_url"]


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
    arrow: bool = True,
    proxy: str | None = None,
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
        arrow: yield the incremental lists as Arrow tables (dlt's Arrow path, no row-by-row
            normalizer); ``False`` (``SOURCES__AMOCRM__ARROW=false``) gives them to dlt as
            rows, as before (same tables, several times the CPU).
        proxy: ``env`` (default: the environment's ``HTTP(S)_PROXY``/``NO_PROXY``, looked up
            by ``requests`` on every request), ``none`` (no proxy, the environment not
            consulted), or a proxy URL (``SOURCES__AMOCRM__PROXY``; see ``common.proxies``).
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
        proxy=proxy,
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
        *account_resources(connections),
        pipeline_statuses(connections),
        *custom_field_resources(connections),
        tags(connections),
    ]
    for endpoint in LIST_ENDPOINTS:
        if endpoint.cursor is None:
            resources.append(list_resource(connections, endpoint))
            continue
        resource = cursor_resource(
            connections, endpoint, overrides.get(endpoint.table, {}), arrow=arrow
        )
        resources.append(resource)
        if endpoint.custom_fields_entity:
            resources.append(
                custom_field_values(
                    resource, endpoint.custom_fields_entity, connections, arrow=arrow
                )
            )
    resources.append(deleted_entities(connections))
    return resources
