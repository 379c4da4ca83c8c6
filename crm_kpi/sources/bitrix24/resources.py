"""The dlt resources of the Bitrix24 source, each loading every configured portal in turn."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from functools import cached_property
from typing import Any

import dlt
from dlt.sources import DltResource

from crm_kpi.sources.common.accounts import DEFAULT_ACCOUNT
from crm_kpi.sources.common.arrow_pages import ArrowPages
from crm_kpi.sources.common.cursors import AccountCursors
from crm_kpi.sources.common.errors import skip_if_optional

from .helpers.client import Bitrix24Client
from .helpers.portals import PortalSettings
from .settings import (
    COMMENT_PARENTS,
    COMMENTS,
    CURSOR_OVERLAP_SECONDS,
    KEYSET_METHODS,
    NULLABLE_TEXT,
    OFFSET_SOURCES,
    PORTAL_SETTINGS_TABLE,
    RECONCILED,
    Method,
    is_optional,
)

logger = logging.getLogger("crm_kpi.ingestion.bitrix24")
Row = dict[str, Any]


class Portal:
    """One portal being loaded: its settings, and its client (made when first used, so that
    describing the source needs no settings)."""

    def __init__(self, settings: PortalSettings, timezone: str | None = None) -> None:
        self.settings = settings
        self.timezone = timezone

    @property
    def name(self) -> str:
        """The portal's domain, which tags every row."""
        return str(self.settings.portal)

    @cached_property
    def client(self) -> Bitrix24Client:
        """The REST client; a clear error when the portal or its credentials are not set."""
        if not self.settings.portal:
            raise ValueError(
                f"Bitrix24 needs {self.settings.env('PORTAL')} (e.g. acme.bitrix24.ru)"
            )
        return self.settings.client()


def _epoch(value: Any) -> int:
    """UTC epoch seconds of an ISO 8601 timestamp with an offset (0 when unparseable)."""
    try:
        return int(dt.datetime.fromisoformat(str(value)).timestamp())
    except (TypeError, ValueError):
        return 0


def _iso(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat()


def _legacy_cursor(portal: Portal) -> Callable[[str], int | None]:
    """The cursor a single unnamed portal kept in ``dlt.sources.incremental`` state before."""
    if portal.settings.name != DEFAULT_ACCOUNT:
        return lambda key: None
    state = dlt.current.resource_state().get("incremental", {}).get("_cursor_ts", {})
    return lambda key: state.get("last_value")


def _legacy_changed_since(portal: Portal) -> Callable[[str], int | None]:
    """The per-table comment cursors a single unnamed portal kept before (``changed_since``)."""
    if portal.settings.name != DEFAULT_ACCOUNT:
        return lambda key: None
    state = dlt.current.resource_state().get("changed_since", {})
    return lambda key: state.get(key.rsplit("/", 1)[-1])


def _ids(portal: Portal, kind: str) -> dict[str, list[int]]:
    """The ``known_ids`` / ``deleted_ids`` of one portal, by entity (source state)."""
    state = dlt.current.source_state().setdefault(kind, {})
    if portal.settings.name == DEFAULT_ACCOUNT:
        return state
    return state.setdefault(portal.settings.name, {})


def _known_ids(portal: Portal, spec: Method) -> set[int] | None:
    if spec.reconcile is None:
        return None
    return set(_ids(portal, "known_ids").get(spec.reconcile, []))


def keyset_resource(portals: Sequence[Portal], spec: Method, arrow: bool = True) -> DltResource:
    """Incremental on the method's modification cursor (one per portal), with an overlap.

    Pages are yielded as Arrow tables, in batches (``arrow``; see ``common.arrow_pages``: ISO
    timestamps typed as dlt's detection types them), else as a list of rows.
    """
    columns = {
        name: {"data_type": "text", "nullable": True} for name in NULLABLE_TEXT.get(spec.table, ())
    }

    def rows() -> Iterator[Any]:
        pages = (
            ArrowPages(
                spec.table,
                columns,
                detect_timestamps=True,
                row_name=spec.id_field,
                primary_key=spec.primary_key,
            )
            if arrow
            else None
        )
        for portal in portals:
            client, key = portal.client, portal.settings.key
            cursors = AccountCursors(CURSOR_OVERLAP_SECONDS, legacy=_legacy_cursor(portal))
            start, newest = cursors.start(key), cursors.last(key)
            filters = {spec.cursor_filter: _iso(start)} if start else {}
            total = 0
            known = _known_ids(portal, spec)
            for number, page in enumerate(client.keyset_pages(spec, filters), 1):
                total += len(page)
                for row in page:
                    row["portal"] = portal.name
                    row["_cursor_ts"] = _epoch(row.get(spec.cursor))
                    newest = max(newest, row["_cursor_ts"])
                    if known is not None:
                        known.add(int(row[spec.id_field]))
                where = f"{spec.method} [{portal.settings.key}] page {number}"
                yield from pages.add(page, where) if pages is not None else [page]
            if pages is not None:
                yield from pages.flush()
            cursors.advance(key, newest)
            if known is not None:
                _ids(portal, "known_ids")[str(spec.reconcile)] = sorted(known)
            logger.info(
                "bitrix24 %s %s: %d rows (%d requests so far)",
                portal.name, spec.table, total, client.bucket.requests,
            )  # fmt: skip

    return dlt.resource(
        rows,
        name=spec.table,
        primary_key=list(spec.primary_key),
        write_disposition="merge",
        columns=columns,
        parallelized=True,
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


def portal_settings(portals: Sequence[Portal]) -> DltResource:
    """Contract 1: one row per portal: the configured zone and the offset the API sends."""

    def rows() -> Iterator[Row]:
        for portal in portals:
            offset = None
            for method, field in OFFSET_SOURCES:
                body = portal.client.call(
                    method, {"order": {"ID": "DESC"}, "select": ["ID", field], "start": -1}
                )
                latest = next(iter(body.get("result") or []), None)
                offset = utc_offset_of((latest or {}).get(field))
                if offset is not None:
                    break
            logger.info(
                "bitrix24 %s: time zone %s, API offset %s", portal.name, portal.timezone, offset
            )
            yield {"portal": portal.name, "timezone": portal.timezone, "utc_offset": offset}

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


def comments(portals: Sequence[Portal], arrow: bool = True) -> DltResource:
    """Timeline comments of the deals and contacts changed since the last run.

    The method needs ENTITY_TYPE and ENTITY_ID (see ``settings.COMMENTS``): a cheap ID scan
    finds the changed entities (``>=DATE_MODIFY`` with the usual overlap), then their comments
    are read 50 entities per ``batch``. The resource keeps its own cursor per portal and
    entity type.
    """
    parents = {spec.table: spec for spec in KEYSET_METHODS if spec.table in COMMENT_PARENTS}

    def rows() -> Iterator[Any]:
        pages = ArrowPages(
            COMMENTS.table, detect_timestamps=True, row_name="ID", primary_key=COMMENTS.primary_key
        )
        pages = pages if arrow else None
        for portal in portals:
            cursors = AccountCursors(
                CURSOR_OVERLAP_SECONDS, name="changed_since", legacy=_legacy_changed_since(portal)
            )
            owners: list[Row] = []
            newest: dict[str, int] = {}
            for table, entity_type in COMMENT_PARENTS.items():
                spec, key = parents[table], f"{portal.settings.key}/{table}"
                start = cursors.start(key)
                filters = {spec.cursor_filter: _iso(start)} if start else {}
                scan = Method(spec.table, spec.method, select=("ID", str(spec.cursor)))
                changed = [
                    row for page in portal.client.keyset_pages(scan, filters) for row in page
                ]
                owners += [{"ENTITY_TYPE": entity_type, "ENTITY_ID": row["ID"]} for row in changed]
                newest[key] = max((_epoch(row.get(spec.cursor)) for row in changed), default=0)
            # Deals' and contacts' comments share the batches: a run with few changes reads
            # them in one request, not one per parent type.
            for number, page in enumerate(
                portal.client.per_entity_pages(COMMENTS.method, owners), 1
            ):
                for row in page:
                    row["portal"] = portal.name
                    row["_cursor_ts"] = _epoch(row.get(COMMENTS.cursor))
                where = f"{COMMENTS.method} [{portal.settings.key}] batch {number}"
                yield from pages.add(page, where) if pages is not None else [page]
            if pages is not None:
                yield from pages.flush()
            for key, value in newest.items():
                cursors.advance(key, value)

    return dlt.resource(
        rows,
        name=COMMENTS.table,
        primary_key=list(COMMENTS.primary_key),
        write_disposition="merge",
    )


def deletions(portals: Sequence[Portal]) -> DltResource:
    """Hard deletes: a full ID scan per entity; ids loaded before and gone now are deleted."""

    def rows() -> Iterator[Row]:
        now = dt.datetime.now(dt.UTC).isoformat()
        for portal in portals:
            known_ids, deleted_ids = _ids(portal, "known_ids"), _ids(portal, "deleted_ids")
            for entity, spec in RECONCILED.items():
                known = set(known_ids.get(entity, []))
                flagged = set(deleted_ids.get(entity, []))
                id_spec = Method(spec.table, spec.method, id_field=spec.id_field, select=("ID",))
                present = {
                    int(r["ID"]) for page in portal.client.keyset_pages(id_spec, {}) for r in page
                }
                gone = known - present
                for row_id in sorted(gone - flagged):
                    yield {"portal": portal.name, "entity": entity, "ID": row_id,
                           "is_deleted": True, "detected_at": now}  # fmt: skip
                for row_id in sorted(flagged & present):  # restored from the recycle bin
                    yield {"portal": portal.name, "entity": entity, "ID": row_id,
                           "is_deleted": False, "detected_at": now}  # fmt: skip
                deleted_ids[entity] = sorted(gone)
                logger.info(
                    "bitrix24 %s %s: %d ids, %d deleted",
                    portal.name, entity, len(present), len(gone),
                )  # fmt: skip

    return dlt.resource(
        rows, name="deletions", primary_key=["portal", "entity", "ID"], write_disposition="merge"
    )


def dictionaries(portals: Sequence[Portal]) -> list[DltResource]:
    """Users, departments, statuses, categories and currencies, read whole on every run."""

    def fetch(method: str, params: Row, wrap: str | None = None) -> Iterator[list[Row]]:
        for portal in portals:
            pages = (
                [
                    {**item, "portal": portal.name}
                    for item in portal.client.list_all(method, params, wrap)
                ]
                for _ in range(1)
            )
            yield from skip_if_optional(
                pages, optional=is_optional(method), crm="Bitrix24",
                account=portal.settings.key, endpoint=method,
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
