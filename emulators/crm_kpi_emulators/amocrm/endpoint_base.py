"""What every group of amoCRM endpoints shares: dependencies, paging and common filters."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crm_kpi_emulators.synthetic import CompanyStatic

from .listing import Item, Links, Page, read_page
from .options import EmulatorOptions
from .payloads import Renderer
from .query import Query
from .responses import Response, no_content, problem
from .store import Selection, Store

MUTATION_SPREAD_S = 300  # mid-scan edits get distinct times in the last minutes of the day


@dataclass(frozen=True)
class Clock:
    """The emulated "now" and how many days the company has lived."""

    now: Callable[[], int]
    days_lived: Callable[[], int]


class EndpointBase:
    """The data, options and clock the endpoints answer from, and shared helpers."""

    def __init__(
        self, store: Store, static: CompanyStatic, options: EmulatorOptions, clock: Clock
    ) -> None:
        self.store = store
        self.static = static
        self.options = options
        self.clock = clock
        self.renderer: Renderer = store.renderer
        self._mutations = random.Random(options.fault_seed)
        self._list_requests: dict[str, int] = {}
        self._mutation_batches = 0

    def _filters_on(self) -> bool:
        """Whether the account honours ``filter[...]`` (besides ``filter[id]``)."""
        return self.options.filters_enabled

    def _page(self, query: Query, events: bool = False) -> Page:
        """The requested page, with the list's maximum page size."""
        limit = self.options.events_max_limit if events else self.options.max_limit
        return read_page(query, self.options, limit)

    def _mutate(self, table: str, page: Page) -> None:
        """Emulate colleagues editing records while a client pages through them."""
        count = self.options.mutate_during_pagination
        served = self._list_requests.get(table, 0)
        self._list_requests[table] = served + 1
        later = page.number > 1 or (self.options.mutate_every_request and served > 0)
        if count and later:
            # Edits happen one after another: each batch is newer than the one before (and
            # newer than the day's regular updates), never later than "now".
            self._mutation_batches += 1
            at = self.clock.now() - 1 - max(0, MUTATION_SPREAD_S - self._mutation_batches)
            self.store.bump_updated_at(table, count, at, self._mutations)

    def _missing(self) -> Response:
        """The answer to a GET by id of something that does not exist."""
        if self.options.not_found_status == 204:
            return no_content()
        return problem(self.options.not_found_status, "Entity not found")

    def _one(self, table: str, entity_id: str, **equals: Any) -> Item | None:
        """One stored object by id (and extra equalities), or ``None``."""
        selection = Selection()
        selection.add("id = ?", int(entity_id))
        for column, value in equals.items():
            selection.add(f"{column} = ?", value)
        rows = self.store.select(table, "payload", selection, "id", 1, 0)
        return json.loads(rows[0][0]) if rows else None

    def _self_links(self, items: list[Item], links: Links, plural: str) -> None:
        """Give every item its ``_links.self``."""
        for item in items:
            item["_links"] = links.to(f"/api/v4/{plural}/{item['id']}")

    def _loss_reason_item(self, links: Links, reason_id: int) -> Item:
        """A loss reason with its links."""
        item = self.renderer.loss_reason(reason_id)
        item["_links"] = links.to(f"/api/v4/leads/loss_reasons/{reason_id}")
        return item

    def _common_filters(self, query: Query, selection: Selection, ranges: tuple[str, ...]) -> None:
        """``filter[id]`` always; ranges and user filters when the account has filters on."""
        ids = query.int_values("id")
        if ids:
            selection.any_of("id", ids)
        if not self._filters_on():
            return
        for name in ranges:
            bounds = query.range(name)
            if bounds:
                selection.between(name, *bounds)
        for name in ("responsible_user_id", "created_by", "updated_by"):
            values = query.int_values(name)
            if values:
                selection.any_of(name, values)
