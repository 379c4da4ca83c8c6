"""Leads, contacts, companies and tasks: filtered, ordered, paged lists and single objects."""

from __future__ import annotations

from .endpoint_base import EndpointBase
from .listing import Item, Links, ListSpec, run_list
from .query import BadRequest, Query
from .responses import Response, hal, no_content
from .store import Selection

_TIMESTAMPS = {"created_at": "created_at", "updated_at": "updated_at", "id": "id"}
LEADS = ListSpec("leads", "leads", _TIMESTAMPS, ("id", "asc"))
CONTACTS = ListSpec("contacts", "contacts", _TIMESTAMPS, ("id", "asc"))
COMPANIES = ListSpec("companies", "companies", _TIMESTAMPS, ("id", "asc"))
TASKS = ListSpec("tasks", "tasks", {**_TIMESTAMPS, "complete_till": "complete_till"}, ("id", "asc"))


class EntityEndpoints(EndpointBase):
    """``/leads``, ``/contacts``, ``/companies``, ``/tasks`` and their ``/{id}``."""

    def _leads(self, query: Query, links: Links) -> Response:
        with_ = query.with_
        selection = Selection()
        selection.add("is_deleted = ?", 1 if "only_deleted" in with_ else 0)
        self._common_filters(query, selection, ("created_at", "updated_at", "closed_at"))
        if self._filters_on():
            for name in ("pipeline_id", "price", "loss_reason_id"):
                values = query.int_values(name)
                if values:
                    selection.any_of(name, values)
            statuses = query.indexed("statuses")
            if statuses:
                try:
                    pairs = [(int(s["pipeline_id"]), int(s["status_id"])) for s in statuses]
                except (KeyError, ValueError):
                    raise BadRequest(
                        "filter[statuses][i] needs pipeline_id and status_id"
                    ) from None
                clause = " or ".join("(pipeline_id = ? and status_id = ?)" for _ in pairs)
                selection.add(f"({clause})", *[v for pair in pairs for v in pair])

        def decorate(items: list[Item]) -> None:
            if "only_deleted" in with_:
                self._deleted_leads(items, links)
            else:
                self._decorate_leads(items, links, with_)

        page = self._page(query)
        self._mutate("leads", page)
        return run_list(self.store, LEADS, selection, query, page, links, decorate)

    def _deleted_leads(self, items: list[Item], links: Links) -> None:
        keep = ("id", "name", "updated_at", "updated_by", "is_deleted", "account_id")
        for index, item in enumerate(items):
            slim = {key: item[key] for key in keep}
            slim["_links"] = links.to(f"/api/v4/leads/{item['id']}")
            items[index] = slim

    def _decorate_leads(self, items: list[Item], links: Links, with_: set[str]) -> None:
        contacts = self.store.lead_contacts([item["id"] for item in items])
        for item in items:
            item["_links"] = links.to(f"/api/v4/leads/{item['id']}")
            embedded = item["_embedded"]
            for company in embedded["companies"]:
                company["_links"] = links.to(f"/api/v4/companies/{company['id']}")
            if "contacts" in with_:
                embedded["contacts"] = [
                    {
                        "id": contact_id,
                        "is_main": is_main,
                        "_links": links.to(f"/api/v4/contacts/{contact_id}"),
                    }
                    for contact_id, is_main in contacts[item["id"]]
                ]
            if "loss_reason" in with_:
                reason = item["loss_reason_id"]
                embedded["loss_reason"] = (
                    [] if reason is None else [self._loss_reason_item(links, reason)]
                )
            if "source_id" in with_ or "source" in with_:
                item["source_id"] = None
            if "is_price_modified_by_robot" in with_:
                item["is_price_modified_by_robot"] = False

    def _lead(self, query: Query, links: Links, lead_id: str) -> Response:
        item = self._one("leads", lead_id, is_deleted=0)
        if item is None:
            return self._missing()
        self._decorate_leads([item], links, query.with_)
        return hal(item)

    def _contacts(self, query: Query, links: Links) -> Response:
        if "only_deleted" in query.with_:
            return no_content()  # the synthetic company never deletes contacts
        selection = Selection()
        self._common_filters(query, selection, ("created_at", "updated_at"))
        with_ = query.with_
        page = self._page(query)
        self._mutate("contacts", page)
        return run_list(
            self.store,
            CONTACTS,
            selection,
            query,
            page,
            links,
            lambda items: self._decorate_contacts(items, links, with_),
        )

    def _decorate_contacts(self, items: list[Item], links: Links, with_: set[str]) -> None:
        leads = self.store.contact_leads([item["id"] for item in items]) if "leads" in with_ else {}
        for item in items:
            item["_links"] = links.to(f"/api/v4/contacts/{item['id']}")
            for company in item["_embedded"]["companies"]:
                company["_links"] = links.to(f"/api/v4/companies/{company['id']}")
            if "leads" in with_:
                item["_embedded"]["leads"] = [
                    {"id": lead_id, "_links": links.to(f"/api/v4/leads/{lead_id}")}
                    for lead_id in leads[item["id"]]
                ]

    def _contact(self, query: Query, links: Links, contact_id: str) -> Response:
        item = self._one("contacts", contact_id)
        if item is None:
            return self._missing()
        self._decorate_contacts([item], links, query.with_)
        return hal(item)

    def _companies(self, query: Query, links: Links) -> Response:
        if "only_deleted" in query.with_:
            return no_content()  # the synthetic company never deletes companies
        selection = Selection()
        self._common_filters(query, selection, ("created_at", "updated_at"))
        return run_list(
            self.store,
            COMPANIES,
            selection,
            query,
            self._page(query),
            links,
            lambda items: self._self_links(items, links, "companies"),
        )

    def _company(self, query: Query, links: Links, company_id: str) -> Response:
        item = self._one("companies", company_id)
        if item is None:
            return self._missing()
        self._self_links([item], links, "companies")
        return hal(item)

    def _tasks(self, query: Query, links: Links) -> Response:
        selection = Selection()
        self._common_filters(query, selection, ("created_at", "updated_at", "complete_till"))
        if self._filters_on():
            completed = query.values("is_completed")
            if completed:
                flags = {value.lower() in ("1", "true", "y") for value in completed}
                selection.any_of("is_completed", [int(flag) for flag in flags])
            task_types = query.int_values("task_type")
            if task_types:
                selection.any_of("task_type_id", task_types)
            entity_types = query.values("entity_type")
            if entity_types:
                selection.any_of("entity_type", entity_types)
            entity_ids = query.int_values("entity_id")
            if entity_ids:
                selection.any_of("entity_id", entity_ids)
        return run_list(
            self.store,
            TASKS,
            selection,
            query,
            self._page(query),
            links,
            lambda items: self._self_links(items, links, "tasks"),
        )

    def _task(self, query: Query, links: Links, task_id: str) -> Response:
        item = self._one("tasks", task_id)
        if item is None:
            return self._missing()
        self._self_links([item], links, "tasks")
        return hal(item)
