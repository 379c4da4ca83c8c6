"""dlt source for Bitrix24 REST: CRM entities, activities, stage history, tasks, calls,
dictionaries and hard-delete reconciliation, merged on ``(portal, ID)`` into ``raw_bitrix24``.

Configuration follows dlt conventions (``.dlt/config.toml``, ``.dlt/secrets.toml`` or
environment variables ``SOURCES__BITRIX24__...``):

- ``PORTAL``: the portal's domain (``acme.bitrix24.ru``); rows carry it, and the account key
  is ``bitrix24:<portal>``.
- Webhook auth: ``WEBHOOK_URL`` (secret), ``https://<portal>/rest/<user>/<code>/``.
- OAuth instead: ``CLIENT_ID``, ``CLIENT_SECRET`` (secret) and ``TOKEN_FILE`` (a JSON token
  pair written by ``crm_kpi.sources.common.token_store``; refreshed on ``expired_token`` and rotated
  atomically), optionally ``BASE_URL`` (default ``https://<portal>``) and ``OAUTH_SERVER``.
- Optional: ``REQUESTS_PER_SECOND`` (2), ``BURST`` (40), ``TIMEOUT_S`` (60),
  ``RECONCILE_DELETIONS`` (true), ``TIMEZONE`` (the portal's IANA zone, e.g.
  ``Asia/Novosibirsk``; without it the models take the zone matching the UTC offset the API's
  timestamps carry, which ``raw_bitrix24.portal_settings`` records on every load).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator, Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dlt
import requests
from dlt.sources import DltResource

from crm_kpi.sources.common.errors import skip_if_optional
from crm_kpi.sources.common.token_store import TokenPair, TokenStore, refresh_with_rotation

from .helpers.client import Bitrix24Client
from .helpers.errors import Bitrix24Error, api_error
from .settings import (
    COMMENT_PARENTS,
    COMMENTS,
    CURSOR_OVERLAP_SECONDS,
    DEFAULT_OAUTH_SERVER,
    KEYSET_METHODS,
    NULLABLE_TEXT,
    OFFSET_SOURCES,
    PORTAL_SETTINGS_TABLE,
    RECONCILED,
    Method,
    is_optional,
)

__all__ = ["Bitrix24Error", "bitrix24_source", "utc_offset_of"]

logger = logging.getLogger("crm_kpi.ingestion.bitrix24")
Row = dict[str, Any]


def _epoch(value: Any) -> int:
    """UTC epoch seconds of an ISO 8601 timestamp with an offset (0 when unparseable)."""
    try:
        return int(dt.datetime.fromisoformat(str(value)).timestamp())
    except (TypeError, ValueError):
        return 0


def _iso(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat()


def _keyset_resource(client: Bitrix24Client, portal: str, spec: Method) -> DltResource:
    """Incremental on the method's modification cursor, with an overlap window."""

    def rows(
        cursor: dlt.sources.incremental[int] = dlt.sources.incremental(
            "_cursor_ts", initial_value=0, lag=CURSOR_OVERLAP_SECONDS
        ),
    ) -> Iterator[list[Row]]:
        filters: dict[str, Any] = {}
        if cursor.start_value:
            filters[spec.cursor_filter] = _iso(int(cursor.start_value))
        total = 0
        known = _known_ids(spec)
        for page in client.keyset_pages(spec, filters):
            total += len(page)
            for row in page:
                row["portal"] = portal
                row["_cursor_ts"] = _epoch(row.get(spec.cursor))
                if known is not None:
                    known.add(int(row[spec.id_field]))
            yield page
        if known is not None:
            dlt.current.source_state().setdefault("known_ids", {})[spec.reconcile] = sorted(known)
        logger.info(
            "bitrix24 %s: %d rows (%d requests so far)", spec.table, total, client.bucket.requests
        )

    return dlt.resource(
        rows,
        name=spec.table,
        primary_key=list(spec.primary_key),
        write_disposition="merge",
        columns={
            name: {"data_type": "text", "nullable": True}
            for name in NULLABLE_TEXT.get(spec.table, ())
        },
    )


_OFFSET = re.compile(r"([+-]\d{2}:?\d{2}|Z)$")


def utc_offset_of(timestamp: Any) -> str | None:
    """The UTC offset an API timestamp string carries: ``+07:00`` (``Z`` is ``+00:00``)."""
    match = _OFFSET.search(str(timestamp or "").strip())
    if match is None:
        return None
    text = match.group(1)
    if text == "Z":
        return "+00:00"
    return text if ":" in text else f"{text[:3]}:{text[3:]}"


def _portal_settings(client: Bitrix24Client, portal: str, timezone: str | None) -> DltResource:
    """Contract 1: one row per portal: the configured zone and the offset the API sends."""

    def rows() -> Iterator[Row]:
        offset = None
        for method, field in OFFSET_SOURCES:
            body = client.call(
                method, {"order": {"ID": "DESC"}, "select": ["ID", field], "start": -1}
            )
            latest = next(iter(body.get("result") or []), None)
            offset = utc_offset_of((latest or {}).get(field))
            if offset is not None:
                break
        logger.info("bitrix24 %s: time zone %s, API offset %s", portal, timezone, offset)
        yield {"portal": portal, "timezone": timezone, "utc_offset": offset}

    return dlt.resource(
        rows,
        name=PORTAL_SETTINGS_TABLE,
        primary_key=["portal"],
        write_disposition="merge",
        columns={
            "portal": {"data_type": "text", "nullable": False},
            "timezone": {"data_type": "text", "nullable": True},
            "utc_offset": {"data_type": "text", "nullable": True},
        },
    )


def _checked_zone(timezone: str | None) -> str | None:
    if not timezone:
        return None
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"SOURCES__BITRIX24__TIMEZONE={timezone!r} is not an IANA time zone "
            "(e.g. Europe/Moscow, Asia/Novosibirsk)"
        ) from None
    return timezone


def _comments(client: Bitrix24Client, portal: str) -> DltResource:
    """Timeline comments of the deals and contacts changed since the last run.

    The method needs ENTITY_TYPE and ENTITY_ID (see ``settings.COMMENTS``): a cheap ID scan
    finds the changed entities (``>=DATE_MODIFY`` with the usual overlap), then their comments
    are read 50 entities per ``batch``. The resource keeps its own cursor per entity type.
    """
    parents = {spec.table: spec for spec in KEYSET_METHODS if spec.table in COMMENT_PARENTS}

    def rows() -> Iterator[list[Row]]:
        cursors: dict[str, int] = dlt.current.resource_state().setdefault("changed_since", {})
        for table, entity_type in COMMENT_PARENTS.items():
            spec = parents[table]
            last = int(cursors.get(table, 0))
            filters = {spec.cursor_filter: _iso(last - CURSOR_OVERLAP_SECONDS)} if last else {}
            scan = Method(spec.table, spec.method, select=("ID", str(spec.cursor)))
            changed = [row for page in client.keyset_pages(scan, filters) for row in page]
            owners = [{"ENTITY_TYPE": entity_type, "ENTITY_ID": row["ID"]} for row in changed]
            for page in client.per_entity_pages(COMMENTS.method, owners):
                for row in page:
                    row["portal"] = portal
                    row["_cursor_ts"] = _epoch(row.get(COMMENTS.cursor))
                yield page
            newest = max((_epoch(row.get(spec.cursor)) for row in changed), default=last)
            cursors[table] = max(last, newest)

    return dlt.resource(
        rows,
        name=COMMENTS.table,
        primary_key=list(COMMENTS.primary_key),
        write_disposition="merge",
    )


def _known_ids(spec: Method) -> set[int] | None:
    if spec.reconcile is None:
        return None
    return set(dlt.current.source_state().get("known_ids", {}).get(spec.reconcile, []))


def _deletions(client: Bitrix24Client, portal: str) -> DltResource:
    """Hard deletes: a full ID scan per entity; ids loaded before and gone now are deleted."""

    def rows() -> Iterator[Row]:
        state = dlt.current.source_state()
        now = dt.datetime.now(dt.UTC).isoformat()
        for entity, spec in RECONCILED.items():
            known = set(state.get("known_ids", {}).get(entity, []))
            flagged = set(state.get("deleted_ids", {}).get(entity, []))
            id_spec = Method(spec.table, spec.method, id_field=spec.id_field, select=("ID",))
            present = {int(r["ID"]) for page in client.keyset_pages(id_spec, {}) for r in page}
            gone = known - present
            for row_id in sorted(gone - flagged):
                yield {"portal": portal, "entity": entity, "ID": row_id, "is_deleted": True,
                       "detected_at": now}  # fmt: skip
            for row_id in sorted(flagged & present):  # restored from the recycle bin
                yield {"portal": portal, "entity": entity, "ID": row_id, "is_deleted": False,
                       "detected_at": now}  # fmt: skip
            state.setdefault("deleted_ids", {})[entity] = sorted(gone)
            logger.info("bitrix24 %s: %d ids, %d deleted", entity, len(present), len(gone))

    return dlt.resource(
        rows, name="deletions", primary_key=["portal", "entity", "ID"], write_disposition="merge"
    )


def _dictionaries(client: Bitrix24Client, portal: str) -> list[DltResource]:
    def tagged(items: list[Row]) -> list[Row]:
        return [{**item, "portal": portal} for item in items]

    def fetch(method: str, params: Row, wrap: str | None = None) -> Iterator[list[Row]]:
        pages = (tagged(client.list_all(method, params, wrap)) for _ in range(1))
        yield from skip_if_optional(
            pages, optional=is_optional(method), crm="Bitrix24", account=f"bitrix24:{portal}",
            endpoint=method,
        )  # fmt: skip

    by_id, deals = {"sort": "ID", "order": "ASC"}, {"entityTypeId": 2}
    specs = (
        ("users", ("user.get", by_id), ["portal", "ID"]),
        ("departments", ("department.get", by_id), ["portal", "ID"]),
        ("statuses", ("crm.status.list", {"order": {"ID": "ASC"}}),
         ["portal", "ENTITY_ID", "STATUS_ID"]),
        ("categories", ("crm.category.list", deals, "categories"), ["portal", "id"]),
        ("currencies", ("crm.currency.list", {}), ["portal", "CURRENCY"]),
    )  # fmt: skip
    return [
        dlt.resource(
            (lambda call=call: fetch(*call)),
            name=name,
            primary_key=key,
            write_disposition="merge",
        )
        for name, call, key in specs
    ]


def _oauth_callbacks(
    client_id: str, client_secret: str, token_file: str, oauth_server: str
) -> tuple[Any, Any]:
    store = TokenStore(token_file)

    def refresh(refresh_token: str) -> TokenPair:
        response = requests.get(
            oauth_server.rstrip("/") + "/oauth/token/",
            params={
                "grant_type": "refresh_token",
                "client_id": client_id,
                "client_secret": client_secret,
                "refresh_token": refresh_token,
            },
            timeout=60,
        )
        body = response.json()
        if response.status_code != 200 or "access_token" not in body:
            raise api_error(
                "oauth/token",
                body.get("error"),
                body.get("error_description", ""),
                response.status_code,
            )
        return TokenPair(body["access_token"], body["refresh_token"], float(body["expires"]))

    def current() -> str:
        pair = store.load()
        if pair is None:
            return refresh_with_rotation(store, refresh).access_token
        return pair.access_token

    def renew(rejected: str) -> str:
        return refresh_with_rotation(store, refresh, rejected_access_token=rejected).access_token

    return current, renew


@dlt.source(name="bitrix24", max_table_nesting=0)
def bitrix24_source(
    portal: str = dlt.config.value,
    webhook_url: str | None = dlt.secrets.value,
    client_id: str | None = None,
    client_secret: str | None = dlt.secrets.value,
    token_file: str | None = None,
    base_url: str | None = None,
    oauth_server: str = DEFAULT_OAUTH_SERVER,
    requests_per_second: float = 2.0,
    burst: int = 40,
    timeout_s: float = 60.0,
    reconcile_deletions: bool = True,
    timezone: str | None = None,
) -> Sequence[DltResource]:
    """Every Bitrix24 entity the KPI marts need, as dlt resources (no HTTP until they run).

    Args:
        portal: the portal's domain, e.g. ``acme.bitrix24.ru`` (the tenant of every row).
        webhook_url: an incoming webhook, ``https://<portal>/rest/<user>/<code>/``.
        client_id, client_secret, token_file: OAuth app credentials and the token-pair file
            (used when there is no webhook).
        base_url: where the portal's REST lives for OAuth (default ``https://<portal>``).
        oauth_server: the OAuth server (``https://oauth.bitrix.info``).
        requests_per_second, burst: the client-side leaky bucket (portal: 2/s, 50).
        timeout_s: per-request timeout (Bitrix24 cuts requests at 60 s).
        reconcile_deletions: scan ids to flag hard-deleted deals, leads, contacts, companies.
        timezone: the portal's IANA zone (``SOURCES__BITRIX24__TIMEZONE``); loaded into
            ``portal_settings`` with the UTC offset the API's timestamps carry.
    """
    timezone = _checked_zone(timezone)
    options = {"requests_per_second": requests_per_second, "burst": burst, "timeout_s": timeout_s}
    if webhook_url:
        client = Bitrix24Client(webhook_url, **options)
    elif client_id and client_secret and token_file:
        current, renew = _oauth_callbacks(client_id, client_secret, token_file, oauth_server)
        rest = (base_url or f"https://{portal}").rstrip("/") + "/rest/"
        client = Bitrix24Client(rest, access_token=current, refresh_token=renew, **options)
    else:
        raise ValueError(
            "Bitrix24 needs SOURCES__BITRIX24__WEBHOOK_URL, or SOURCES__BITRIX24__CLIENT_ID, "
            "SOURCES__BITRIX24__CLIENT_SECRET and SOURCES__BITRIX24__TOKEN_FILE for OAuth"
        )
    resources = [_keyset_resource(client, portal, spec) for spec in KEYSET_METHODS]
    resources.append(_comments(client, portal))
    resources += _dictionaries(client, portal)
    resources.append(_portal_settings(client, portal, timezone))
    if reconcile_deletions:
        resources.append(_deletions(client, portal))
    return resources
