"""dlt paginators for amoCRM lists that change while they are read.

Page numbers over a list ordered by ``updated_at`` lose records: a record edited during the
scan jumps to the end, every later record shifts back one place, and one of them falls
between two pages. ``KeysetPaginator`` never pages: each request asks again for "changed at
or after the newest ``updated_at`` seen so far" (page 1), so a record edited mid-scan is simply
read again later, and nothing shifts under the reader. Only when a whole page shares one
timestamp does it turn the page. Records read twice are dropped by the caller (by id).

Accounts without API filters ignore ``filter[updated_at]``. The keyset paginator notices (a
row older than the filter comes back) and raises ``FilterNotHonoured``; the caller then scans
newest-first with ``DescendingScanPaginator`` and stops at the first row older than its cursor.
"""

from __future__ import annotations

from typing import Any

from dlt.sources.helpers.rest_client.paginators import BasePaginator
from requests import Request, Response


class FilterNotHonoured(RuntimeError):
    """The account returned rows outside ``filter[<field>][from]``: filters are off."""


def _has_next_link(response: Response) -> bool:
    try:
        links = response.json().get("_links") or {}
    except ValueError:
        return False
    return "next" in links


def _values(data: list[Any] | None, field: str) -> list[int]:
    return [int(row[field]) for row in data or [] if row.get(field) is not None]


class KeysetPaginator(BasePaginator):
    """``filter[f][from]=T&order[f]=asc``, moving ``T`` to the newest value of each page."""

    def __init__(self, field: str, start: int, limit: int) -> None:
        super().__init__()
        self.field = field
        self.start = start
        self.limit = limit
        self.page = 1

    def _apply(self, request: Request) -> None:
        params = request.params if isinstance(request.params, dict) else {}
        params[f"filter[{self.field}][from]"] = self.start
        params[f"order[{self.field}]"] = "asc"
        params["limit"] = self.limit
        params["page"] = self.page
        request.params = params

    def init_request(self, request: Request) -> None:
        self._apply(request)

    def update_state(self, response: Response, data: list[Any] | None = None) -> None:
        values = _values(data, self.field)
        if values and min(values) < self.start:
            raise FilterNotHonoured(
                f"filter[{self.field}][from]={self.start} returned a row with "
                f"{self.field}={min(values)}"
            )
        # The server may clamp ``limit`` (events: 100): only a missing ``next`` ends the list.
        if not data or not _has_next_link(response):
            self._has_next_page = False
            return
        newest = max(values) if values else self.start
        if newest > self.start:
            self.start, self.page = newest, 1
        else:  # a whole page with one timestamp: turn the page instead
            self.page += 1

    def update_request(self, request: Request) -> None:
        self._apply(request)


class DescendingScanPaginator(BasePaginator):
    """``order[f]=desc`` page by page, until a row older than ``stop_below`` (or the end)."""

    def __init__(self, field: str, stop_below: int, limit: int) -> None:
        super().__init__()
        self.field = field
        self.stop_below = stop_below
        self.limit = limit
        self.page = 1

    def _apply(self, request: Request) -> None:
        params = request.params if isinstance(request.params, dict) else {}
        params.pop(f"filter[{self.field}][from]", None)
        params.pop(f"order[{self.field}]", None)
        params[f"order[{self.field}]"] = "desc"
        params["limit"] = self.limit
        params["page"] = self.page
        request.params = params

    def init_request(self, request: Request) -> None:
        self._apply(request)

    def update_state(self, response: Response, data: list[Any] | None = None) -> None:
        values = _values(data, self.field)
        older = bool(values) and min(values) < self.stop_below
        self._has_next_page = _has_next_link(response) and not older
        self.page += 1

    def update_request(self, request: Request) -> None:
        self._apply(request)


class PageNumberLinkPaginator(BasePaginator):
    """``page=N`` while the answer has ``_links.next``.

    The ``next`` href itself is not followed: it may name another ("shard") host.
    """

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.page = 1

    def _apply(self, request: Request) -> None:
        params = request.params if isinstance(request.params, dict) else {}
        params["limit"] = self.limit
        params["page"] = self.page
        request.params = params

    def init_request(self, request: Request) -> None:
        self._apply(request)

    def update_state(self, response: Response, data: list[Any] | None = None) -> None:
        self._has_next_page = _has_next_link(response) and bool(data)
        self.page += 1

    def update_request(self, request: Request) -> None:
        self._apply(request)
