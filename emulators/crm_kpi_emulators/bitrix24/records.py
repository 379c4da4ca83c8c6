"""Bitrix24 REST records (classic ``crm.*.list`` shapes) built from the synthetic company.

What Bitrix24 has and the neutral company does not is derived here, deterministically:
deal currencies (a share of deals is priced in USD or KZT at fixed rates, so that the
converted amount equals the neutral amount exactly), leads (every web-form deal was a
converted lead; some web-form requests were junk), and string typing of every value.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

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
    Stage,
    StageKind,
    Task,
)
from crm_kpi_emulators.synthetic.static import MEETING

from .dictionary_records import BASE_CURRENCY, CURRENCY_RATES, DictionaryRecords, yn
from .options import Bitrix24Options

Json = dict[str, Any]

CALL_FAILED_CODES = {
    CallStatus.CONVERSATION: ("200", ""),
    CallStatus.NO_ANSWER: ("304", "Missed call"),
    CallStatus.BUSY: ("486", "Busy"),
    CallStatus.WRONG_NUMBER: ("404", "Invalid number"),
    CallStatus.CALL_BACK_LATER: ("603", "Declined"),
    CallStatus.LEFT_MESSAGE: ("480", "Temporarily unavailable"),
    CallStatus.NOT_AVAILABLE: ("480", "Temporarily unavailable"),
}
MEETING_ID_BASE = 900_000_000  # meeting activities share crm.activity ids with calls/e-mails
JUNK_LEAD_ID_BASE = 5_000_000


def deal_currency(deal_id: int) -> str:
    """The currency a deal is priced in (deterministic by id)."""
    return {0: "USD", 5: "KZT"}.get(deal_id % 10, BASE_CURRENCY)


def price_in(amount: int, currency: str) -> str:
    """A base-currency amount expressed in ``currency`` (exact at 2 decimals)."""
    count, rate = CURRENCY_RATES[currency]
    value = amount * count / float(rate)
    return f"{value:.2f}"


def _s(value: Any) -> str | None:
    return None if value is None else str(value)


BLANK_EVERY = 11
UNMATCHED_EVERY = 29


class Renderer(DictionaryRecords):
    """Turns synthetic records into Bitrix24 payloads for one portal (the dictionaries come
    from ``DictionaryRecords``)."""

    def __init__(self, static: CompanyStatic, options: Bitrix24Options | None = None) -> None:
        self.static = static
        self.options = options or Bitrix24Options()
        self.zone = ZoneInfo(self.options.timezone or static.account.timezone)
        self.category_of = {p.id: index for index, p in enumerate(static.pipelines)}
        self.stage_code = {
            stage.id: self._stage_code(stage) for p in static.pipelines for stage in p.stages
        }
        self.web_sources = {s.code for s in static.lead_sources if s.via_web_form}

    # ---- helpers ---------------------------------------------------------------------------

    def time(self, epoch: int | None) -> str | None:
        """``YYYY-MM-DDThh:mm:ss+03:00`` in the portal time zone (``None`` stays ``None``)."""
        if epoch is None:
            return None
        return dt.datetime.fromtimestamp(epoch, self.zone).isoformat()

    def _blank(self, deal_id: int, value: str | None) -> str | None:
        """``""`` instead of ``value`` for every 11th deal (``Bitrix24Options.blank_strings``)."""
        return "" if self.options.blank_strings and deal_id % BLANK_EVERY == 0 else value

    def has_activity(self, call: Call) -> bool:
        """Whether a call has a CRM call activity (``Bitrix24Options.unmatched_calls``)."""
        return not (self.options.unmatched_calls and call.id % UNMATCHED_EVERY == 0)

    def has_telephony(self, call: Call) -> bool:
        """Whether a call has a telephony record (``Bitrix24Options.unmatched_calls``)."""
        by_hand = call.id % UNMATCHED_EVERY == UNMATCHED_EVERY // 2 and call.status.is_answered
        return not (self.options.unmatched_calls and by_hand)

    def _stage_code(self, stage: Stage) -> str:
        code = {StageKind.WON: "WON", StageKind.LOST: "LOSE"}.get(stage.kind, stage.code)
        category = self.category_of[stage.pipeline_id]
        return code if category == 0 else f"C{category}:{code}"

    @staticmethod
    def semantic(kind: StageKind) -> str:
        """``STAGE_SEMANTIC_ID`` of a stage kind."""
        return {StageKind.WON: "S", StageKind.LOST: "F"}.get(kind, "P")

    # ---- entities --------------------------------------------------------------------------

    def deal(self, deal: Deal) -> Json:
        """A ``crm.deal.list`` row (every value a string)."""
        stage = self.static.stages_by_id[deal.stage_id]
        currency = deal_currency(deal.id)
        closed = stage.kind is not StageKind.OPEN
        planned_close = (
            deal.closed_at if closed and deal.closed_at else deal.created_at + 30 * 86400
        )
        return {
            "ID": str(deal.id),
            "TITLE": deal.name,
            "TYPE_ID": "SALE",
            "CATEGORY_ID": str(self.category_of[deal.pipeline_id]),
            "STAGE_ID": self.stage_code[deal.stage_id],
            "STAGE_SEMANTIC_ID": self.semantic(stage.kind),
            "IS_NEW": yn(False),
            "PROBABILITY": None,
            "CURRENCY_ID": currency,
            "OPPORTUNITY": price_in(deal.amount, currency),
            "IS_MANUAL_OPPORTUNITY": "Y",
            "TAX_VALUE": "0.00",
            "LEAD_ID": str(deal.id) if deal.lead_source in self.web_sources else None,
            "COMPANY_ID": _s(deal.company_id) or "0",
            "CONTACT_ID": _s(deal.contact_ids[0]) if deal.contact_ids else None,
            "BEGINDATE": self.time(deal.created_at),
            "CLOSEDATE": self.time(planned_close),
            "ASSIGNED_BY_ID": str(deal.responsible_id),
            "CREATED_BY_ID": str(deal.created_by),
            "MODIFY_BY_ID": str(deal.updated_by),
            "DATE_CREATE": self.time(deal.created_at),
            "DATE_MODIFY": self.time(deal.updated_at),
            "OPENED": "Y",
            "CLOSED": yn(closed),
            "COMMENTS": self._blank(deal.id, None),
            "SOURCE_ID": self._blank(deal.id, deal.lead_source.upper()),
            "SOURCE_DESCRIPTION": self._blank(deal.id, None),
            "UTM_SOURCE": deal.lead_source,
            "UTM_MEDIUM": None,
            "MOVED_BY_ID": str(deal.updated_by),
            "MOVED_TIME": self.time(deal.updated_at),
        }

    def lead(self, deal: Deal, junk: bool) -> Json:
        """The lead behind a web-form deal: converted into it, or (``junk``) rejected."""
        lead_id = JUNK_LEAD_ID_BASE + deal.id if junk else deal.id
        created = deal.created_at - (1800 if junk else 600)
        status, semantic = ("JUNK", "F") if junk else ("CONVERTED", "S")
        currency = deal_currency(deal.id)
        return {
            "ID": str(lead_id),
            "TITLE": f"Заявка с сайта #{lead_id}",
            "NAME": "",
            "LAST_NAME": None,
            "STATUS_ID": status,
            "STATUS_SEMANTIC_ID": semantic,
            "SOURCE_ID": self._blank(deal.id, deal.lead_source.upper()),
            "UTM_SOURCE": deal.lead_source,
            "CURRENCY_ID": currency,
            "OPPORTUNITY": "0.00",
            "ASSIGNED_BY_ID": str(deal.responsible_id),
            "CREATED_BY_ID": str(deal.created_by),
            "MODIFY_BY_ID": str(deal.created_by),
            "DATE_CREATE": self.time(created),
            "DATE_MODIFY": self.time(deal.created_at),
            "DATE_CLOSED": self.time(deal.created_at),
            "CONTACT_ID": None if junk or not deal.contact_ids else str(deal.contact_ids[0]),
            "COMPANY_ID": None,
            "OPENED": "Y",
            "HAS_PHONE": "Y",
            "HAS_EMAIL": "N",
        }

    def contact(self, contact: Contact) -> Json:
        """A ``crm.contact.list`` row; ``PHONE``/``EMAIL`` multifields only when selected."""
        return {
            "ID": str(contact.id),
            "NAME": contact.first_name,
            "LAST_NAME": contact.last_name,
            "SECOND_NAME": None,
            "TYPE_ID": "CLIENT",
            "SOURCE_ID": None,
            "COMPANY_ID": _s(contact.company_id),
            "HAS_PHONE": "Y",
            "HAS_EMAIL": yn(contact.email is not None),
            "ASSIGNED_BY_ID": str(contact.responsible_id),
            "CREATED_BY_ID": str(contact.created_by),
            "MODIFY_BY_ID": str(contact.updated_by),
            "DATE_CREATE": self.time(contact.created_at),
            "DATE_MODIFY": self.time(contact.updated_at),
            "OPENED": "Y",
            "PHONE": [
                {
                    "ID": str(contact.id),
                    "VALUE_TYPE": "MOBILE",
                    "VALUE": contact.phone,
                    "TYPE_ID": "PHONE",
                }
            ],
            "EMAIL": []
            if contact.email is None
            else [
                {
                    "ID": str(contact.id),
                    "VALUE_TYPE": "WORK",
                    "VALUE": contact.email,
                    "TYPE_ID": "EMAIL",
                }
            ],
        }

    def company(self, company: ClientCompany) -> Json:
        """A ``crm.company.list`` row."""
        return {
            "ID": str(company.id),
            "TITLE": company.name,
            "COMPANY_TYPE": "CUSTOMER",
            "INDUSTRY": "OTHER",
            "HAS_PHONE": yn(company.phone is not None),
            "ASSIGNED_BY_ID": str(company.responsible_id),
            "CREATED_BY_ID": str(company.created_by),
            "MODIFY_BY_ID": str(company.updated_by),
            "DATE_CREATE": self.time(company.created_at),
            "DATE_MODIFY": self.time(company.updated_at),
            "OPENED": "Y",
            "IS_MY_COMPANY": "N",
        }

    def _owner(self, deal_id: int | None, contact_id: int | None) -> tuple[str, str]:
        if deal_id is not None:
            return "2", str(deal_id)
        return "3", str(contact_id or 0)

    def activity(self, item: Call | Email) -> Json:
        """A ``crm.activity.list`` row of a call (VOXIMPLANT_CALL) or an e-mail (CRM_EMAIL)."""
        owner_type, owner_id = self._owner(item.deal_id, item.contact_id)
        inbound = item.direction is Direction.INBOUND
        at = self.time(item.at)
        if isinstance(item, Call):
            type_id, provider, provider_type = "2", "VOXIMPLANT_CALL", "CALL"
            subject = ("Входящий звонок " if inbound else "Исходящий звонок ") + item.phone
            end = self.time(item.at + item.duration_s)
        else:
            type_id, provider, provider_type = "4", "CRM_EMAIL", "EMAIL"
            subject, end = item.subject, at
        return {
            "ID": str(item.id),
            "OWNER_ID": owner_id,
            "OWNER_TYPE_ID": owner_type,
            "TYPE_ID": type_id,
            "PROVIDER_ID": provider,
            "PROVIDER_TYPE_ID": provider_type,
            "PROVIDER_GROUP_ID": None,
            "ASSOCIATED_ENTITY_ID": "0",
            "SUBJECT": subject,
            "CREATED": at,
            "LAST_UPDATED": at,
            "START_TIME": at,
            "END_TIME": end,
            "DEADLINE": at,
            "COMPLETED": "Y",
            "STATUS": "2",
            "RESPONSIBLE_ID": str(item.manager_id),
            "PRIORITY": "2",
            "DESCRIPTION": "",
            "DESCRIPTION_TYPE": "1",
            "DIRECTION": "1" if inbound else "2",
            "LOCATION": "",
            "SETTINGS": [],
            "ORIGIN_ID": item.uniq if isinstance(item, Call) else None,
            "AUTHOR_ID": str(item.manager_id),
            "EDITOR_ID": str(item.manager_id),
            "PROVIDER_PARAMS": [],
            "RESULT_STATUS": "0",
        }

    def meeting(self, task: Task) -> Json:
        """A meeting task as a ``crm.activity.list`` row (TYPE_ID 1, CRM_MEETING)."""
        owner_type, owner_id = self._owner(task.deal_id, task.contact_id)
        return {
            "ID": str(MEETING_ID_BASE + task.id),
            "OWNER_ID": owner_id,
            "OWNER_TYPE_ID": owner_type,
            "TYPE_ID": "1",
            "PROVIDER_ID": "CRM_MEETING",
            "PROVIDER_TYPE_ID": "MEETING",
            "PROVIDER_GROUP_ID": None,
            "ASSOCIATED_ENTITY_ID": "0",
            "SUBJECT": task.text,
            "CREATED": self.time(task.created_at),
            "LAST_UPDATED": self.time(task.updated_at),
            "START_TIME": self.time(task.starts_at),
            "END_TIME": self.time(task.due_at),
            "DEADLINE": self.time(task.starts_at),
            "COMPLETED": yn(task.is_completed),
            "STATUS": "2" if task.is_completed else "1",
            "RESPONSIBLE_ID": str(task.responsible_id),
            "PRIORITY": "2",
            "DESCRIPTION": task.result_text or "",
            "DESCRIPTION_TYPE": "1",
            "DIRECTION": "0",
            "LOCATION": "",
            "SETTINGS": [],
            "ORIGIN_ID": None,
            "AUTHOR_ID": str(task.created_by),
            "EDITOR_ID": str(task.updated_by),
            "PROVIDER_PARAMS": [],
            "RESULT_STATUS": "0",
        }

    def task(self, task: Task) -> Json:
        """A ``tasks.task.list`` item (camelCase keys, string values)."""
        if task.deal_id is not None:
            bindings = [f"D_{task.deal_id}"]
        elif task.contact_id is not None:
            bindings = [f"C_{task.contact_id}"]
        else:
            bindings = []
        return {
            "id": str(task.id),
            "parentId": "0",
            "title": task.text,
            "description": task.result_text or "",
            "priority": "1",
            "status": "5" if task.is_completed else "2",
            "subStatus": "5" if task.is_completed else "2",
            "responsibleId": str(task.responsible_id),
            "createdBy": str(task.created_by),
            "createdDate": self.time(task.created_at),
            "changedBy": str(task.updated_by),
            "changedDate": self.time(task.updated_at),
            "statusChangedDate": self.time(task.completed_at or task.created_at),
            "closedBy": str(task.updated_by) if task.is_completed else "0",
            "closedDate": self.time(task.completed_at),
            "deadline": self.time(task.due_at),
            "durationPlan": str(task.duration_s),
            "groupId": "0",
            "ufCrmTask": bindings,
            "tags": [],
            "auditors": [],
            "accomplices": [],
        }

    @staticmethod
    def is_meeting(task: Task) -> bool:
        """Meetings live in crm.activity (TYPE_ID 1); other tasks in the tasks module."""
        return task.type_id == MEETING.id

    def comment(self, note: Note) -> Json:
        """A ``crm.timeline.comment.list`` row of a manual note."""
        entity_type = "deal" if note.deal_id is not None else "contact"
        entity_id = note.deal_id if note.deal_id is not None else note.contact_id
        return {
            "ID": str(note.id),
            "CREATED": self.time(note.at),
            "ENTITY_ID": str(entity_id or 0),
            "ENTITY_TYPE": entity_type,
            "AUTHOR_ID": str(note.manager_id),
            "COMMENT": note.text,
            "FILES": [],
        }

    def call_record(self, call: Call) -> Json:
        """A ``voximplant.statistic.get`` row of a call (duration and result code)."""
        code, reason = CALL_FAILED_CODES[call.status]
        inbound = call.direction is Direction.INBOUND
        return {
            "ID": str(call.id),
            "PORTAL_USER_ID": str(call.manager_id),
            "PORTAL_NUMBER": "REST_APP:1",
            "PHONE_NUMBER": call.phone.lstrip("+"),
            "CALL_ID": call.uniq,
            "EXTERNAL_CALL_ID": None,
            "CALL_CATEGORY": "external",
            "CALL_DURATION": str(call.duration_s),
            "CALL_START_DATE": self.time(call.at),
            "CALL_RECORD_URL": call.recording_url,
            "CALL_VOTE": None,
            "COST": "0.0000",
            "COST_CURRENCY": "RUR",
            "CALL_FAILED_CODE": code,
            "CALL_FAILED_REASON": reason,
            "CRM_ENTITY_TYPE": "CONTACT" if call.contact_id is not None else None,
            "CRM_ENTITY_ID": _s(call.contact_id),
            "CRM_ACTIVITY_ID": str(call.id) if self.has_activity(call) else None,
            "CALL_TYPE": "2" if inbound else "1",
        }
