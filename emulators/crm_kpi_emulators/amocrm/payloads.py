"""amoCRM API v4 JSON objects built from the synthetic company's records.

Stored objects (leads, contacts, ...) are built without ``_links``; the API layer adds the
links of the request's host when it serves them.
"""

from __future__ import annotations

from typing import Any

from crm_kpi_emulators.synthetic import (
    Call,
    CallStatus,
    ClientCompany,
    CompanyStatic,
    Contact,
    Deal,
    Direction,
    Email,
    Note,
    Task,
)

from . import identifiers as ids
from .account_payloads import AccountPayloads
from .options import EmulatorOptions

Json = dict[str, Any]

CALL_STATUS_CODES = {
    CallStatus.LEFT_MESSAGE: 1,
    CallStatus.CALL_BACK_LATER: 2,
    CallStatus.NOT_AVAILABLE: 3,
    CallStatus.CONVERSATION: 4,
    CallStatus.WRONG_NUMBER: 5,
    CallStatus.NO_ANSWER: 6,
    CallStatus.BUSY: 7,
}
CALL_RESULTS = {
    CallStatus.LEFT_MESSAGE: "Оставлено голосовое сообщение",
    CallStatus.CALL_BACK_LATER: "Просили перезвонить позже",
    CallStatus.NOT_AVAILABLE: "Нет на месте",
    CallStatus.CONVERSATION: "Разговор состоялся",
    CallStatus.WRONG_NUMBER: "Неверный номер",
    CallStatus.NO_ANSWER: "Не дозвонились",
    CallStatus.BUSY: "Занято",
}
CALL_SOURCE = "Телефония (демо)"
ROBOT_NOTE_EVERY = 20
ROBOT_NOTE_ID_BASE = 900_000_000


class Renderer(AccountPayloads):
    """Turns synthetic records into amoCRM objects for one account (the account-wide objects
    come from ``AccountPayloads``)."""

    def __init__(self, static: CompanyStatic, options: EmulatorOptions | None = None) -> None:
        self.static = static
        self.options = options or EmulatorOptions()
        self.account_id = static.account.id
        self._team_of = {m.id: m.team_id for m in static.managers}
        self._status_of = {
            stage.id: ids.status_id(stage)
            for pipeline in static.pipelines
            for stage in pipeline.stages
        }
        self._loss_reasons = {reason.id: reason for reason in static.loss_reasons}
        self._web_sources = {s.code for s in static.lead_sources if s.via_web_form}
        self._source_position = {s.code: i for i, s in enumerate(static.lead_sources)}
        self._source_name = {s.code: s.name for s in static.lead_sources}

    def group_id(self, user_id: int) -> int:
        """The team (user group) of a user; 0 when unknown (robot)."""
        return self._team_of.get(user_id, 0)

    def amo_status(self, stage_id: int) -> int:
        """amoCRM status id of a synthetic stage id."""
        return self._status_of[stage_id]

    # ---- stored entities -------------------------------------------------------------------

    def lead(self, deal: Deal) -> Json:
        """A lead as ``GET /api/v4/leads`` returns it (without ``_links`` and ``with=`` parts)."""
        return {
            "id": deal.id,
            "name": deal.name,
            "price": deal.amount,
            "responsible_user_id": deal.responsible_id,
            "group_id": self.group_id(deal.responsible_id),
            "status_id": self.amo_status(deal.stage_id),
            "pipeline_id": deal.pipeline_id,
            "loss_reason_id": deal.loss_reason_id,
            "created_by": deal.created_by,
            "updated_by": deal.updated_by,
            "created_at": deal.created_at,
            "updated_at": deal.updated_at,
            "closed_at": deal.closed_at,
            "closest_task_at": None,
            "is_deleted": deal.is_deleted,
            "custom_fields_values": [
                {
                    "field_id": ids.UTM_SOURCE_FIELD_ID,
                    "field_name": "utm_source",
                    "field_code": "UTM_SOURCE",
                    "field_type": "tracking_data",
                    "values": [{"value": deal.lead_source}],
                },
                *self._lead_source_field(deal.lead_source),
            ],
            "score": None,
            "account_id": self.account_id,
            "labor_cost": None,
            "_embedded": {
                "tags": self.lead_tags(deal.lead_source),
                "companies": [] if deal.company_id is None else [{"id": deal.company_id}],
            },
        }

    def _lead_source_field(self, code: str) -> list[Json]:
        """The "Источник" select field of a lead (absent for an unknown source)."""
        position = self._source_position.get(code)
        if position is None:
            return []
        return [
            {
                "field_id": ids.LEAD_SOURCE_FIELD_ID,
                "field_name": "Источник",
                "field_code": None,
                "field_type": "select",
                "values": [
                    {
                        "value": self._source_name[code],
                        "enum_id": ids.LEAD_SOURCE_ENUM_BASE + position,
                        "enum_code": None,
                    }
                ],
            }
        ]

    def lead_tags(self, code: str) -> list[Json]:
        """Leads are tagged with the code of their lead source."""
        position = self._source_position.get(code)
        return [] if position is None else [{"id": ids.TAG_BASE + position, "name": code}]

    def tags(self, entity_type: str) -> list[Json]:
        """``GET /api/v4/{entity}/tags``: the lead-source tags (contacts and companies: none)."""
        if entity_type != "leads":
            return []
        return [
            {"id": ids.TAG_BASE + i, "name": source.code, "color": None}
            for i, source in enumerate(self.static.lead_sources)
        ]

    def sources(self) -> list[Json]:
        """``GET /api/v4/sources``: the web forms of the integration, in the main pipeline."""
        main = next((p.id for p in self.static.pipelines if p.is_main), None)
        return [
            {
                "id": ids.SOURCE_BASE + i,
                "name": source.name,
                "pipeline_id": main,
                "external_id": f"form-{source.code}",
                "default": i == 0,
                "origin_code": None,
                "services": [],
                "account_id": self.account_id,
            }
            for i, source in enumerate(self.static.lead_sources)
            if source.via_web_form
        ]

    def loss_reason(self, reason_id: int) -> Json:
        """A loss reason object (also embedded in leads with ``with=loss_reason``)."""
        reason = self._loss_reasons[reason_id]
        created = self.static.account.created_at
        return {
            "id": reason.id,
            "name": reason.name,
            "sort": reason.sort,
            "created_at": created,
            "updated_at": created,
        }

    def contact(self, contact: Contact) -> Json:
        """A contact as ``GET /api/v4/contacts`` returns it (without ``_links``)."""
        return {
            "id": contact.id,
            "name": contact.name,
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "responsible_user_id": contact.responsible_id,
            "group_id": self.group_id(contact.responsible_id),
            "created_by": contact.created_by,
            "updated_by": contact.updated_by,
            "created_at": contact.created_at,
            "updated_at": contact.updated_at,
            "closest_task_at": None,
            "is_deleted": False,
            "is_unsorted": False,
            "custom_fields_values": _fields(
                (ids.CONTACT_PHONE_FIELD_ID, "Телефон", "PHONE", contact.phone, "MOB"),
                (ids.CONTACT_EMAIL_FIELD_ID, "Email", "EMAIL", contact.email, "WORK"),
            ),
            "account_id": self.account_id,
            "_embedded": {
                "tags": [],
                "companies": [] if contact.company_id is None else [{"id": contact.company_id}],
            },
        }

    def company(self, company: ClientCompany) -> Json:
        """A company as ``GET /api/v4/companies`` returns it (without ``_links``)."""
        return {
            "id": company.id,
            "name": company.name,
            "responsible_user_id": company.responsible_id,
            "group_id": self.group_id(company.responsible_id),
            "created_by": company.created_by,
            "updated_by": company.updated_by,
            "created_at": company.created_at,
            "updated_at": company.updated_at,
            "closest_task_at": None,
            "is_deleted": False,
            "custom_fields_values": _fields(
                (ids.COMPANY_PHONE_FIELD_ID, "Телефон", "PHONE", company.phone, "WORK"),
            ),
            "account_id": self.account_id,
            "_embedded": {"tags": []},
        }

    def task(self, task: Task) -> Json:
        """A task as ``GET /api/v4/tasks`` returns it (without ``_links``)."""
        if task.deal_id is not None:
            entity_type, entity_id = "leads", task.deal_id
        elif task.contact_id is not None:
            entity_type, entity_id = "contacts", task.contact_id
        else:
            entity_type, entity_id = None, None
        return {
            "id": task.id,
            "created_by": task.created_by,
            "updated_by": task.updated_by,
            "created_at": task.created_at,
            "updated_at": task.updated_at,
            "responsible_user_id": task.responsible_id,
            "group_id": self.group_id(task.responsible_id),
            "entity_id": entity_id,
            "entity_type": entity_type,
            "duration": task.duration_s,
            "is_completed": task.is_completed,
            "task_type_id": task.type_id,
            "text": task.text,
            "result": {"text": task.result_text} if task.result_text else [],
            "complete_till": task.due_at,
            "account_id": self.account_id,
        }

    def note(self, activity: Call | Email | Note) -> Json:
        """The note an activity leaves on its lead (or, without a lead, on its contact)."""
        if isinstance(activity, Call):
            inbound = activity.direction is Direction.INBOUND
            note_type = "call_in" if inbound else "call_out"
            params: Json = {
                "uniq": activity.uniq,
                "duration": activity.duration_s,
                "source": CALL_SOURCE,
                "link": activity.recording_url,
                "phone": activity.phone,
                "call_result": CALL_RESULTS[activity.status],
                "call_status": CALL_STATUS_CODES[activity.status],
                "call_responsible": activity.manager_id,
            }
        elif isinstance(activity, Email):
            note_type = "amomail_message"
            params = {
                "thread_id": activity.thread_id,
                "message_id": activity.id,
                "private": False,
                "income": activity.direction is Direction.INBOUND,
                "from": {"name": activity.from_name, "email": activity.from_email},
                "to": {"name": activity.to_name, "email": activity.to_email},
                "subject": activity.subject,
                "content_summary": activity.summary,
                "attach_cnt": 0,
                "delivery": None
                if activity.direction is Direction.INBOUND
                else {"status": "delivered", "time": activity.at},
            }
        else:
            note_type, params = "common", {"text": activity.text}
        entity_type, entity_id = note_entity(activity)
        responsible = activity.manager_id
        if isinstance(activity, Call) and self.options.owner_as_note_responsible:
            responsible = activity.owner_id or activity.manager_id
        return {
            "id": activity.id,
            "entity_id": entity_id,
            "entity_type": entity_type,
            "created_by": activity.manager_id,
            "updated_by": activity.manager_id,
            "created_at": activity.at,
            "updated_at": activity.at,
            "responsible_user_id": responsible,
            "group_id": self.group_id(activity.manager_id),
            "note_type": note_type,
            "params": params,
            "is_pinned": False,
            "account_id": self.account_id,
        }

    def robot_note(self, deal: Deal) -> Json | None:
        """The robot's note on every 20th lead (``EmulatorOptions.robot_notes``)."""
        if not self.options.robot_notes or deal.id % ROBOT_NOTE_EVERY:
            return None
        at = deal.created_at + 60
        return {
            "id": ROBOT_NOTE_ID_BASE + deal.id,
            "entity_id": deal.id,
            "entity_type": "leads",
            "created_by": 0,
            "updated_by": 0,
            "created_at": at,
            "updated_at": at,
            "responsible_user_id": self.account_id,
            "group_id": 0,
            "note_type": "common",
            "params": {"text": "Сделка создана автоматически (Salesbot)"},
            "is_pinned": False,
            "account_id": self.account_id,
        }


def note_entity(activity: Call | Email | Note) -> tuple[str, int]:
    """Where an activity's note lives: on its lead, or else on its contact."""
    if activity.deal_id is not None:
        return "leads", activity.deal_id
    return "contacts", activity.contact_id or 0


def _fields(*specs: tuple[int, str, str, str | None, str]) -> list[Json] | None:
    """Multitext field values (phone, e-mail) that are set; ``None`` when none is."""
    values = []
    for field_id, name, code, value, enum_code in specs:
        if value is None:
            continue
        enums = ids.PHONE_ENUMS if code == "PHONE" else ids.EMAIL_ENUMS
        values.append(
            {
                "field_id": field_id,
                "field_name": name,
                "field_code": code,
                "field_type": "multitext",
                "values": [{"value": value, "enum_id": enums[enum_code], "enum_code": enum_code}],
            }
        )
    return values or None
