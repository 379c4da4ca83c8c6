"""Paging, ordering and the HAL envelope shared by every list endpoint."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from .. import fastjson
from .options import EmulatorOptions
from .query import BadRequest, Query
from .responses import Response, hal, no_content
from .store import Selection, Store

Item = dict[str, Any]


@dataclass(frozen=True)
class Page:
    """Which slice of a list was asked for."""

    number: int
    limit: int

    @property
    def offset(self) -> int:
        """Rows to skip."""
        return (self.number - 1) * self.limit


def read_page(query: Query, options: EmulatorOptions, max_limit: int) -> Page:
    """``page`` (1-based) and ``limit`` (default 50, at most ``max_limit``)."""
    number = query.int_param("page", 1)
    limit = query.int_param("limit", options.default_limit)
    if number < 1:
        raise BadRequest("page must be 1 or more")
    if limit < 1:
        raise BadRequest("limit must be 1 or more")
    if limit > max_limit:
        if options.over_limit == "error":
            raise BadRequest(f"limit must not exceed {max_limit}")
        limit = max_limit if options.over_limit == "clamp" else options.default_limit
    return Page(number, limit)


@dataclass(frozen=True)
class Links:
    """Builds absolute hrefs on the base URL the client used."""

    base: str
    path: str
    query: Query

    def to(self, path: str) -> dict[str, dict[str, str]]:
        """``{"self": {"href": base + path}}``: the ``_links`` of an item or related entity."""
        return {"self": {"href": f"{self.base}{path}"}}

    def page_href(self, number: int) -> dict[str, str]:
        """This list's URL with ``page`` set to ``number``."""
        pairs = [(key, value) for key, value in self.query.pairs if key != "page"]
        pairs.append(("page", str(number)))
        return {"href": f"{self.base}{self.path}?{urlencode(pairs, safe='[],')}"}

    def self_only(self) -> dict[str, Any]:
        """``_links`` of a response that is not paged."""
        suffix = f"?{self.query.raw}" if self.query.raw else ""
        return {"self": {"href": f"{self.base}{self.path}{suffix}"}}


def envelope(
    links: Links, key: str, items: list[Item], page: Page, has_next: bool, **extra: Any
) -> Response:
    """The HAL answer of a list page: no ``next`` on the last page, ``first``/``prev`` after
    the first page."""
    page_links: dict[str, Any] = {"self": links.page_href(page.number)}
    if has_next:
        page_links["next"] = links.page_href(page.number + 1)
    if page.number > 1:
        page_links["first"] = links.page_href(1)
        page_links["prev"] = links.page_href(page.number - 1)
    return hal({**extra, "_page": page.number, "_links": page_links, "_embedded": {key: items}})


@dataclass(frozen=True)
class ListSpec:
    """One stored list endpoint: its table, embedded key, and allowed orders."""

    key: str
    table: str
    orders: dict[str, str]
    default_order: tuple[str, str]
    tie_breaker: str = "id"


def run_list(
    store: Store,
    spec: ListSpec,
    selection: Selection,
    query: Query,
    page: Page,
    links: Links,
    decorate: Callable[[list[Item]], None],
) -> Response:
    """Select a page of rows, decorate the items (links, ``with=``) and wrap them."""
    order = query.order()
    if order is None:
        column, direction = spec.default_order
    else:
        field, direction = order
        if field not in spec.orders:
            allowed = ", ".join(sorted(spec.orders))
            raise BadRequest(f"order[{field}] is not supported here; use one of: {allowed}")
        column = spec.orders[field]
    order_sql = f"{column} {direction}, {spec.tie_breaker} {direction}"
    rows = store.select(spec.table, "payload", selection, order_sql, page.limit + 1, page.offset)
    if not rows:
        return no_content()
    items = [fastjson.loads(payload) for (payload,) in rows[: page.limit]]
    decorate(items)
    return envelope(links, spec.key, items, page, has_next=len(rows) > page.limit)
