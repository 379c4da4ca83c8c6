"""Notes and events: what happened to the entities, in amoCRM's shapes."""

from __future__ import annotations

import json

from .endpoint_base import EndpointBase
from .listing import Item, Links, ListSpec, run_list
from .query import BadRequest, Query
from .responses import Response, hal
from .store import Selection

ENTITY_SINGULAR = {"lead", "contact", "company", "task", "customer"}
_TIMESTAMPS = {"created_at": "created_at", "updated_at": "updated_at", "id": "id"}
NOTES = ListSpec("notes", "notes", _TIMESTAMPS, ("id", "asc"))


class TimelineEndpoints(EndpointBase):
    """``/{entity}/notes`` (and by entity or id), ``/events`` and ``/events/{id}``."""

    @property
    def _events_spec(self) -> ListSpec:
        return ListSpec(
            "events",
            "events",
            {"created_at": "created_at", "id": "seq"},
            ("created_at", self.options.events_default_order),
            tie_breaker="seq",
        )

    def _notes(
        self, query: Query, links: Links, entity: str, entity_id: str | None = None
    ) -> Response:
        selection = Selection()
        selection.add("entity_type = ?", entity)
        if entity_id is not None:
            selection.add("entity_id = ?", int(entity_id))
        self._common_filters(query, selection, ("created_at", "updated_at"))
        if self._filters_on():
            note_types = self._note_types(query)
            if note_types:
                selection.any_of("note_type", note_types)
            entity_ids = query.int_values("entity_id")
            if entity_ids:
                selection.any_of("entity_id", entity_ids)
        return run_list(
            self.store,
            NOTES,
            selection,
            query,
            self._page(query),
            links,
            lambda items: self._note_links(items, links),
        )

    def _note_types(self, query: Query) -> list[str] | None:
        """``filter[note_type]``: the docs and the official SDK send an array
        (``filter[note_type][]=call_in&...``; SDK ``NotesFilter::buildFilter`` puts a PHP array
        there, which http_build_query sends as ``filter[note_type][0]=...``). A comma-joined
        single value is undocumented: ``EmulatorOptions.comma_note_types`` says what it does
        (a guess; default: one literal type, so nothing matches).
        """
        joined = [
            value for name, value in query.pairs if name == "filter[note_type]" and "," in value
        ]
        if joined and self.options.comma_note_types == "reject":
            raise BadRequest("filter[note_type] must be an array: filter[note_type][]=<type>")
        if joined and self.options.comma_note_types == "literal":
            others = [
                value
                for name, value in query.pairs
                if name.startswith("filter[note_type]") and name != "filter[note_type]"
            ]
            return [*joined, *others]
        return query.values("note_type")

    def _note_links(self, items: list[Item], links: Links) -> None:
        for item in items:
            path = f"/api/v4/{item['entity_type']}/{item['entity_id']}/notes/{item['id']}"
            item["_links"] = links.to(path)

    def _note(self, query: Query, links: Links, entity: str, note_id: str) -> Response:
        item = self._one("notes", note_id, entity_type=entity)
        if item is None:
            return self._missing()
        self._note_links([item], links)
        return hal(item)

    def _entity_note(
        self, query: Query, links: Links, entity: str, entity_id: str, note_id: str
    ) -> Response:
        item = self._one("notes", note_id, entity_type=entity)
        if item is None or item["entity_id"] != int(entity_id):
            return self._missing()
        self._note_links([item], links)
        return hal(item)

    def _list_events(self, query: Query, links: Links) -> Response:
        selection = Selection()
        ids = query.values("id")
        if ids:
            selection.any_of("id", ids)
        if self._filters_on():
            self._event_filters(query, selection)
        page = self._page(query, events=True)
        return run_list(
            self.store,
            self._events_spec,
            selection,
            query,
            page,
            links,
            lambda items: self._event_links(items, links),
        )

    def _event_filters(self, query: Query, selection: Selection) -> None:
        created = query.range("created_at")
        if created:
            selection.between("created_at", *created)
        types = query.values("type")
        if types:
            selection.any_of("type", types)
        entities = query.values("entity")
        if entities:
            unknown = [
                e for e in entities if e not in ENTITY_SINGULAR and not e.startswith("catalog_")
            ]
            if unknown:
                raise BadRequest(
                    f"filter[entity] takes singular names (lead, contact...): {unknown}"
                )
            selection.any_of("entity_type", entities)
        entity_ids = query.int_values("entity_id")
        if entity_ids:
            if not entities or len(entities) != 1:
                raise BadRequest("filter[entity_id] needs exactly one filter[entity]")
            if len(entity_ids) > 10:
                raise BadRequest("filter[entity_id] takes at most 10 ids")
            selection.any_of("entity_id", entity_ids)
        creators = query.int_values("created_by")
        if creators:
            if len(creators) > 10:
                raise BadRequest("filter[created_by] takes at most 10 ids")
            selection.any_of("created_by", creators)
        statuses = query.indexed("value_after", "leads_statuses")
        if statuses:
            try:
                pairs = [(int(s["pipeline_id"]), int(s["status_id"])) for s in statuses]
            except (KeyError, ValueError):
                raise BadRequest("leads_statuses items need pipeline_id and status_id") from None
            clause = " or ".join("(after_pipeline_id = ? and after_status_id = ?)" for _ in pairs)
            selection.add(f"({clause})", *[v for pair in pairs for v in pair])
        responsible = query.int_values("value_after", "responsible_user_id")
        if responsible:
            selection.any_of("after_responsible_id", responsible)

    def _event_links(self, items: list[Item], links: Links) -> None:
        plural = {"lead": "leads", "contact": "contacts", "company": "companies", "task": "tasks"}
        for item in items:
            item["_links"] = links.to(f"/api/v4/events/{item['id']}")
            entity = item["_embedded"]["entity"]
            entity_path = plural.get(item["entity_type"], item["entity_type"])
            entity["_links"] = links.to(f"/api/v4/{entity_path}/{entity['id']}")

    def _event(self, query: Query, links: Links, event_id: str) -> Response:
        selection = Selection()
        selection.add("id = ?", event_id)
        rows = self.store.select("events", "payload", selection, "seq", 1, 0)
        if not rows:
            return self._missing()
        item = json.loads(rows[0][0])
        self._event_links([item], links)
        return hal(item)
