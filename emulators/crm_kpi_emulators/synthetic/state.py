"""Mutable simulation state of the entities still in play, and their snapshots."""

from __future__ import annotations

from dataclasses import dataclass

from .model import ClientCompany, Contact, Deal, Task

# Id ranges of the dynamic entities (disjoint from the static ones, see ``static.py``).
DEAL_ID_BASE = 15_000_000
CONTACT_ID_BASE = 21_000_000
COMPANY_ID_BASE = 31_000_000
TASK_ID_BASE = 41_000_000
ACTIVITY_ID_BASE = 51_000_000
THREAD_ID_BASE = 71_000_000


@dataclass(slots=True)
class IdSequences:
    """The last id handed out per kind; ids grow with time like a real CRM's."""

    deal: int = DEAL_ID_BASE
    contact: int = CONTACT_ID_BASE
    company: int = COMPANY_ID_BASE
    task: int = TASK_ID_BASE
    activity: int = ACTIVITY_ID_BASE
    thread: int = THREAD_ID_BASE
    fact: int = 0
    action: int = 0


@dataclass(slots=True)
class CompanyState:
    """A customer organisation."""

    id: int
    name: str
    phone: str | None
    responsible_id: int
    created_by: int
    created_at: int
    updated_at: int
    updated_by: int

    def snapshot(self) -> ClientCompany:
        """The frozen record of the current state."""
        return ClientCompany(
            self.id,
            self.name,
            self.phone,
            self.responsible_id,
            self.created_by,
            self.created_at,
            self.updated_at,
            self.updated_by,
        )


@dataclass(slots=True)
class ContactState:
    """A customer person."""

    id: int
    first_name: str
    last_name: str
    phone: str
    email: str | None
    company_id: int | None
    responsible_id: int
    created_by: int
    created_at: int
    updated_at: int
    updated_by: int

    def snapshot(self) -> Contact:
        """The frozen record of the current state."""
        return Contact(
            self.id,
            self.first_name,
            self.last_name,
            self.phone,
            self.email,
            self.company_id,
            self.responsible_id,
            self.created_by,
            self.created_at,
            self.updated_at,
            self.updated_by,
        )


@dataclass(slots=True)
class DealState:
    """A deal still in play: open, or closed with a scheduled change (reopen, delete...)."""

    id: int
    name: str
    pipeline_id: int
    stage_id: int
    stage_index: int  # index in the pipeline's open stages; -1 when won or lost
    amount: int
    lead_source: str
    responsible_id: int
    created_by: int
    created_at: int
    updated_by: int
    updated_at: int
    closed_at: int | None
    loss_reason_id: int | None
    contact_ids: tuple[int, ...]
    company_id: int | None
    is_deleted: bool = False
    # simulation bookkeeping
    touch_token: int = 0  # the id of the one planned touch that is still valid
    unanswered: int = 0  # outbound calls in a row nobody answered
    reopened: bool = False
    last_open_index: int = 0  # where a lost deal was when it was lost
    scheduled: int = 0  # future actions still referring to the deal
    thread_id: int = 0  # e-mail thread with the client
    phone: str = ""
    contact_name: str = ""
    contact_email: str | None = None

    @property
    def is_open(self) -> bool:
        """Open and not deleted."""
        return self.closed_at is None and not self.is_deleted

    def snapshot(self) -> Deal:
        """The frozen record of the current state."""
        return Deal(
            self.id,
            self.name,
            self.pipeline_id,
            self.stage_id,
            self.amount,
            self.lead_source,
            self.responsible_id,
            self.created_by,
            self.created_at,
            self.updated_by,
            self.updated_at,
            self.closed_at,
            self.loss_reason_id,
            self.contact_ids,
            self.company_id,
            self.is_deleted,
        )


@dataclass(slots=True)
class TaskState:
    """A task whose completion is still to come (tasks that will never be done are dropped)."""

    id: int
    type_id: int
    text: str
    responsible_id: int
    created_by: int
    deal_id: int | None
    contact_id: int | None
    created_at: int
    updated_at: int
    updated_by: int
    due_at: int
    duration_s: int
    is_completed: bool = False
    completed_at: int | None = None
    result_text: str | None = None

    def snapshot(self) -> Task:
        """The frozen record of the current state."""
        return Task(
            self.id,
            self.type_id,
            self.text,
            self.responsible_id,
            self.created_by,
            self.deal_id,
            self.contact_id,
            self.created_at,
            self.updated_at,
            self.updated_by,
            self.due_at,
            self.duration_s,
            self.is_completed,
            self.completed_at,
            self.result_text,
        )
