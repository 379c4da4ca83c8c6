"""Account, users, pipelines and other small dictionaries of the amoCRM API."""

from __future__ import annotations

import math

from .endpoint_base import EndpointBase
from .events import EVENT_TYPES
from .listing import Item, Links, Page, envelope
from .query import Query
from .responses import Response, hal, no_content


class DictionaryEndpoints(EndpointBase):
    """``/account``, ``/users``, ``/leads/pipelines``, loss reasons, custom fields, event types."""

    def _account(self, query: Query, links: Links) -> Response:
        payload = self.renderer.account(
            self.clock.now(), self.static.admin.id, query.with_, self._filters_on()
        )
        payload["_links"] = links.self_only()
        return hal(payload)

    def _user_item(self, links: Links, manager_id: int) -> Item:
        manager = self.static.managers_by_id[manager_id]
        item = self.renderer.user(manager, manager.is_active_on(self.clock.days_lived() - 1))
        item["_links"] = links.to(f"/api/v4/users/{manager_id}")
        return item

    def _users(self, query: Query, links: Links) -> Response:
        page = self._page(query)
        managers = self.static.managers
        chunk = managers[page.offset : page.offset + page.limit]
        if not chunk:
            return no_content()
        items = [self._user_item(links, manager.id) for manager in chunk]
        has_next = page.offset + page.limit < len(managers)
        return envelope(
            links,
            "users",
            items,
            page,
            has_next,
            _total_items=len(managers),
            _page_count=math.ceil(len(managers) / page.limit),
        )

    def _user(self, query: Query, links: Links, user_id: str) -> Response:
        if int(user_id) not in self.static.managers_by_id:
            return self._missing()
        return hal(self._user_item(links, int(user_id)))

    def _pipeline_items(self, links: Links) -> list[Item]:
        items = self.renderer.pipelines()
        for pipeline in items:
            pipeline["_links"] = links.to(f"/api/v4/leads/pipelines/{pipeline['id']}")
            for status in pipeline["_embedded"]["statuses"]:
                path = f"/api/v4/leads/pipelines/{pipeline['id']}/statuses/{status['id']}"
                status["_links"] = links.to(path)
        return items

    def _pipelines(self, query: Query, links: Links) -> Response:
        items = self._pipeline_items(links)
        return hal(
            {
                "_total_items": len(items),
                "_links": links.self_only(),
                "_embedded": {"pipelines": items},
            }
        )

    def _pipeline(self, query: Query, links: Links, pipeline_id: str) -> Response:
        for item in self._pipeline_items(links):
            if item["id"] == int(pipeline_id):
                return hal(item)
        return self._missing()

    def _statuses(self, query: Query, links: Links, pipeline_id: str) -> Response:
        for item in self._pipeline_items(links):
            if item["id"] == int(pipeline_id):
                statuses = item["_embedded"]["statuses"]
                return hal(
                    {
                        "_total_items": len(statuses),
                        "_links": links.self_only(),
                        "_embedded": {"statuses": statuses},
                    }
                )
        return self._missing()

    def _status(self, query: Query, links: Links, pipeline_id: str, status_id: str) -> Response:
        for item in self._pipeline_items(links):
            if item["id"] == int(pipeline_id):
                for status in item["_embedded"]["statuses"]:
                    if status["id"] == int(status_id):
                        return hal(status)
        return self._missing()

    def _loss_reasons(self, query: Query, links: Links) -> Response:
        items = [self._loss_reason_item(links, r.id) for r in self.static.loss_reasons]
        page = Page(1, max(1, len(items)))
        return envelope(links, "loss_reasons", items, page, False, _total_items=len(items))

    def _loss_reason(self, query: Query, links: Links, reason_id: str) -> Response:
        if int(reason_id) not in {r.id for r in self.static.loss_reasons}:
            return self._missing()
        return hal(self._loss_reason_item(links, int(reason_id)))

    def _custom_fields(self, query: Query, links: Links, entity: str) -> Response:
        page = self._page(query)
        fields = self.renderer.custom_fields(entity)
        chunk = fields[page.offset : page.offset + page.limit]
        if not chunk:
            return no_content()
        for item in chunk:
            item["_links"] = links.to(f"/api/v4/{entity}/custom_fields/{item['id']}")
        has_next = page.offset + page.limit < len(fields)
        return envelope(
            links,
            "custom_fields",
            chunk,
            page,
            has_next,
            _total_items=len(fields),
            _page_count=math.ceil(len(fields) / page.limit),
        )

    def _tags(self, query: Query, links: Links, entity: str) -> Response:
        page = self._page(query)
        tags = self.renderer.tags(entity)
        chunk = tags[page.offset : page.offset + page.limit]
        if not chunk:
            return no_content()
        has_next = page.offset + page.limit < len(tags)
        return envelope(links, "tags", chunk, page, has_next)

    def _sources(self, query: Query, links: Links) -> Response:
        items = self.renderer.sources()
        if not items:
            return no_content()
        for item in items:
            item["_links"] = links.to(f"/api/v4/sources/{item['id']}")
        return hal(
            {
                "_total_items": len(items),
                "_links": links.self_only(),
                "_embedded": {"sources": items},
            }
        )

    def _event_types(self, query: Query, links: Links) -> Response:
        items = [{"key": key, "type": code, "lang": lang} for key, code, lang in EVENT_TYPES]
        return hal(
            {
                "_total_items": len(items),
                "_links": links.self_only(),
                "_embedded": {"events_types": items},
            }
        )
