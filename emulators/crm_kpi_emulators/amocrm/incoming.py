"""What comes into the account from outside: incoming (unsorted) leads and posted calls."""

from __future__ import annotations

import json
import re
from typing import Any

from .endpoint_base import EndpointBase
from .listing import Item, Links, envelope
from .query import BadRequest, Query
from .responses import Request, Response, hal, no_content

CALL_REQUIRED = ("direction", "duration", "source", "phone")
DIRECTIONS = {"inbound": "call_in", "outbound": "call_out"}
PHONE_DIGITS = 10  # amoCRM matches a call's phone on its last 10 digits
UNSORTED_ORDERS = {"created_at"}


def phone_key(phone: Any) -> str:
    """The last 10 digits of a phone number (fewer when the number is shorter)."""
    return re.sub(r"\D", "", str(phone))[-PHONE_DIGITS:]


class IncomingEndpoints(EndpointBase):
    """``GET /leads/unsorted`` and ``POST /calls``."""

    # ---- GET /api/v4/leads/unsorted ------------------------------------------------------------

    def _unsorted(self, query: Query, links: Links) -> Response:
        """Incoming leads: ``filter[uid|category|pipeline_id]``, ``order[created_at]``.

        Paged like every list (no ``_total_items``); 204 when nothing matches.
        """
        page = self._page(query)
        items = self._unsorted_filtered(query)
        items = self._unsorted_ordered(query, items)
        chunk = items[page.offset : page.offset + page.limit]
        if not chunk:
            return no_content()
        for item in chunk:
            self._unsorted_links(item, links)
        has_next = page.offset + page.limit < len(items)
        return envelope(links, "unsorted", chunk, page, has_next)

    def _unsorted_filtered(self, query: Query) -> list[Item]:
        """The stored incoming leads that pass the filters."""
        items = self.store.unsorted()
        if not self._filters_on():
            return items
        uids = query.values("uid")
        categories = query.values("category")
        pipelines = query.int_values("pipeline_id")
        return [
            item
            for item in items
            if (not uids or item["uid"] in uids)
            and (not categories or item["category"] in categories)
            and (not pipelines or item["pipeline_id"] in pipelines)
        ]

    def _unsorted_ordered(self, query: Query, items: list[Item]) -> list[Item]:
        """Items by ``created_at`` (ascending unless ``order[created_at]=desc``), then uid."""
        order = query.order()
        direction = "asc"
        if order is not None:
            field, direction = order
            if field not in UNSORTED_ORDERS:
                raise BadRequest(f"order[{field}] is not supported here; use created_at")
        ordered = sorted(items, key=lambda item: (item["created_at"], item["uid"]))
        return ordered[::-1] if direction == "desc" else ordered

    def _unsorted_links(self, item: Item, links: Links) -> None:
        """Give an incoming lead and its embedded entities their ``_links``."""
        item["_links"] = links.to(f"/api/v4/leads/unsorted/{item['uid']}")
        for plural, related in item["_embedded"].items():
            for entity in related:
                entity["_links"] = links.to(f"/api/v4/{plural}/{entity['id']}")

    # ---- POST /api/v4/calls --------------------------------------------------------------------

    def _post_calls(self, request: Request, links: Links) -> Response:
        """Attach calls to contacts by phone (last 10 digits): a note and an event each.

        The body is a JSON list of calls (``direction`` inbound/outbound, ``phone``,
        ``duration``, ``source`` required; ``uniq``, ``link``, ``call_status``,
        ``call_result``, ``responsible_user_id``, ``created_by``, ``created_at`` optional).
        A matched call becomes a ``call_in``/``call_out`` note on the contact and an
        ``incoming_call``/``outgoing_call`` event. The answer (200, HAL) is::

            {"_links": {"self": ...},
             "_embedded": {"calls": [{"id": NOTE_ID, "request_id": "0", "entity_id": CONTACT_ID,
                                      "entity_type": "contacts", "_embedded": {"entity": {...}},
                                      "_links": {...}}]},
             "errors": [{"request_id": "1", "index": 1, "phone": "...", "code": "...",
                         "detail": "..."}]}

        A call whose phone matches no contact, or that misses a required field, is not
        added and appears under ``errors`` (``code`` ``NotFound`` or ``ValidationError``).
        A body that is not a JSON list of objects is a 400.
        """
        calls = _call_list(request.body)
        phones = self._phone_index()
        added: list[Item] = []
        errors: list[Item] = []
        for index, call in enumerate(calls):
            missing = [name for name in CALL_REQUIRED if call.get(name) in (None, "")]
            if missing or call.get("direction") not in DIRECTIONS:
                detail = f"missing {', '.join(missing)}" if missing else "direction is invalid"
                errors.append(_call_error(index, call, "ValidationError", detail))
                continue
            contact_id = phones.get(phone_key(call["phone"]))
            if contact_id is None:
                detail = "no contact has this phone (last 10 digits); the call is not added"
                errors.append(_call_error(index, call, "NotFound", detail))
                continue
            try:
                added.append(self._add_call(index, call, contact_id, links))
            except (TypeError, ValueError) as error:
                errors.append(_call_error(index, call, "ValidationError", str(error)))
        return hal({"_links": links.self_only(), "_embedded": {"calls": added}, "errors": errors})

    def _phone_index(self) -> dict[str, int]:
        """``last 10 digits -> contact id`` (the oldest contact wins a shared number)."""
        index: dict[str, int] = {}
        for contact_id, phones in self.store.contact_phones():
            for phone in phones:
                index.setdefault(phone_key(phone), contact_id)
        index.pop("", None)
        return index

    def _add_call(self, index: int, call: Item, contact_id: int, links: Links) -> Item:
        """Store one matched call; its item of the answer."""
        inbound = call["direction"] == "inbound"
        note_id = self.store.add_call_note(self._call_note(call, contact_id), inbound)
        return {
            "id": note_id,
            "request_id": str(index),
            "entity_id": contact_id,
            "entity_type": "contacts",
            "_embedded": {
                "entity": {"id": contact_id, "_links": links.to(f"/api/v4/contacts/{contact_id}")}
            },
            "_links": links.to(f"/api/v4/contacts/{contact_id}/notes/{note_id}"),
        }

    def _call_note(self, call: Item, contact_id: int) -> Item:
        """The note payload (without ``id``) of a posted call on a contact."""
        admin = self.static.admin.id
        responsible = int(call.get("responsible_user_id") or admin)
        by = int(call.get("created_by") or responsible)
        at = int(call.get("created_at") or self.clock.now())
        params: Item = {
            "uniq": call.get("uniq"),
            "duration": int(call["duration"]),
            "source": call["source"],
            "link": call.get("link"),
            "phone": str(call["phone"]),
            "call_result": call.get("call_result"),
            "call_status": call.get("call_status"),
            "call_responsible": responsible,
        }
        return {
            "entity_id": contact_id,
            "entity_type": "contacts",
            "created_by": by,
            "updated_by": int(call.get("updated_by") or by),
            "created_at": at,
            "updated_at": int(call.get("updated_at") or at),
            "responsible_user_id": responsible,
            "group_id": self.renderer.group_id(responsible),
            "note_type": DIRECTIONS[call["direction"]],
            "params": params,
            "is_pinned": False,
            "account_id": self.renderer.account_id,
        }


def _call_list(body: bytes) -> list[Item]:
    """The posted calls; 400 unless the body is a JSON list of objects."""
    try:
        calls = json.loads(body.decode("utf-8") or "null")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadRequest("the body must be a JSON list of calls") from None
    if not isinstance(calls, list) or not all(isinstance(call, dict) for call in calls):
        raise BadRequest("the body must be a JSON list of calls")
    return calls


def _call_error(index: int, call: Item, code: str, detail: str) -> Item:
    """An entry of the ``errors`` list of ``POST /calls``."""
    return {
        "request_id": str(index),
        "index": index,
        "phone": call.get("phone"),
        "code": code,
        "detail": detail,
    }
