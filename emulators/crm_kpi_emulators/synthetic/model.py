"""The CRM-neutral records of the synthetic company.

Every timestamp is a UTC Unix epoch in whole seconds (``int``); every id is an ``int``.
User id ``0`` means "the system / a robot" (e.g. a deal created by a web form).
Records are frozen: a changed entity is emitted again as a new snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import ClassVar

ROBOT = 0  # the user id of automatic actions


class StageKind(StrEnum):
    """Whether a stage is still open or a terminal outcome."""

    OPEN = "open"
    WON = "won"
    LOST = "lost"


class Direction(StrEnum):
    """Direction of a call or an email, seen from the company."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


class CallStatus(StrEnum):
    """Outcome of a call, in neutral terms (each CRM maps them to its own codes)."""

    CONVERSATION = "conversation"  # conversation took place
    NO_ANSWER = "no_answer"  # could not get through / missed
    BUSY = "busy"
    WRONG_NUMBER = "wrong_number"
    CALL_BACK_LATER = "call_back_later"  # reached, asked to call back later
    LEFT_MESSAGE = "left_message"  # voicemail
    NOT_AVAILABLE = "not_available"  # the person was not in

    @property
    def is_answered(self) -> bool:
        """True when a person talked to the manager."""
        return self is CallStatus.CONVERSATION


# ----------------------------------------------------------------------------------------------
# Static part: fixed for the whole simulation.


@dataclass(frozen=True)
class Account:
    """The CRM account (the company that sells)."""

    id: int
    name: str
    subdomain: str
    timezone: str
    currency: str
    country: str
    created_at: int


@dataclass(frozen=True)
class Team:
    """A sales team (amoCRM user group, Bitrix24 department)."""

    id: int
    name: str


@dataclass(frozen=True)
class Manager:
    """A CRM user who sells. ``fired_day`` is the day index from which the user is inactive."""

    id: int
    first_name: str
    last_name: str
    email: str
    phone: str
    team_id: int
    is_admin: bool
    created_at: int
    fired_day: int | None = None
    fired_at: int | None = None

    @property
    def name(self) -> str:
        """Display name, "First Last"."""
        return f"{self.first_name} {self.last_name}"

    def is_active_on(self, day_index: int) -> bool:
        """Whether the user is still employed on simulated day ``day_index``."""
        return self.fired_day is None or day_index < self.fired_day


@dataclass(frozen=True)
class Stage:
    """A pipeline stage. ``code`` is a stable neutral key (``NEW``, ``MEETING``, ``WON``...)."""

    id: int
    pipeline_id: int
    name: str
    sort: int
    kind: StageKind
    code: str


@dataclass(frozen=True)
class Pipeline:
    """A sales pipeline with its stages ordered by ``sort`` (open ones first, then won, lost)."""

    id: int
    name: str
    sort: int
    is_main: bool
    stages: tuple[Stage, ...]

    @cached_property
    def open_stages(self) -> tuple[Stage, ...]:
        """The open stages in walk order."""
        return tuple(stage for stage in self.stages if stage.kind is StageKind.OPEN)

    @property
    def won_stage(self) -> Stage:
        """The terminal "won" stage."""
        return next(stage for stage in self.stages if stage.kind is StageKind.WON)

    @property
    def lost_stage(self) -> Stage:
        """The terminal "lost" stage."""
        return next(stage for stage in self.stages if stage.kind is StageKind.LOST)


@dataclass(frozen=True)
class LossReason:
    """Why a deal was lost."""

    id: int
    name: str
    sort: int


@dataclass(frozen=True)
class TaskType:
    """A task type. Ids 1 (follow-up) and 2 (meeting) are standard; custom types have ids > 2."""

    id: int
    code: str
    name: str
    is_custom: bool


@dataclass(frozen=True)
class LeadSource:
    """Where deals come from. ``via_web_form`` deals are created by a robot (user 0)."""

    code: str
    name: str
    weight: float
    via_web_form: bool


# ----------------------------------------------------------------------------------------------
# Dynamic entities: emitted as full snapshots whenever they are created or change.


@dataclass(frozen=True, slots=True)
class ClientCompany:
    """A customer organisation (``phone`` unknown for some)."""

    id: int
    name: str
    phone: str | None
    responsible_id: int
    created_by: int
    created_at: int
    updated_at: int
    updated_by: int


@dataclass(frozen=True, slots=True)
class Contact:
    """A customer person (``email`` unknown for some)."""

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

    @property
    def name(self) -> str:
        """Display name, "First Last"."""
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True, slots=True)
class Deal:
    """A deal (amoCRM lead, Bitrix24 deal), as it stands after its last change.

    ``closed_at`` is the time the deal last entered its current won/lost stage, and ``None``
    while it is open (also after a reopening). ``contact_ids`` lists the main contact first.
    """

    id: int
    name: str
    pipeline_id: int
    stage_id: int
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
    is_deleted: bool


@dataclass(frozen=True, slots=True)
class Task:
    """A task with a deadline (follow-up, meeting, or a custom type).

    ``due_at`` is the deadline; for a meeting it is the end of the meeting slot, which starts
    at ``due_at - duration_s``. ``completed_at`` is when it was marked done (``None`` while
    open). A task is linked to a deal, or else to a contact.
    """

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
    is_completed: bool
    completed_at: int | None
    result_text: str | None

    @property
    def starts_at(self) -> int:
        """Start of the task's slot (meetings); equals ``due_at`` for zero-length tasks."""
        return self.due_at - self.duration_s


# ----------------------------------------------------------------------------------------------
# Activities: immutable once created. Ids share one sequence (they are CRM notes/activities).


@dataclass(frozen=True, slots=True)
class Call:
    """A phone call. ``duration_s`` is 0 when nobody answered.

    ``manager_id`` is who made or took the call; ``owner_id`` the deal's (or contact's)
    responsible user at that moment, when known. They differ when a colleague covers.
    """

    id: int
    at: int
    manager_id: int
    deal_id: int | None
    contact_id: int | None
    direction: Direction
    status: CallStatus
    duration_s: int
    phone: str
    uniq: str
    recording_url: str | None
    owner_id: int | None = None

    kind: ClassVar[str] = "call"


@dataclass(frozen=True, slots=True)
class Email:
    """An email sent to or received from a contact."""

    id: int
    at: int
    manager_id: int
    deal_id: int | None
    contact_id: int | None
    direction: Direction
    subject: str
    summary: str
    from_name: str
    from_email: str
    to_name: str
    to_email: str
    thread_id: int

    kind: ClassVar[str] = "email"


@dataclass(frozen=True, slots=True)
class Note:
    """A free-text note written by a manager."""

    id: int
    at: int
    manager_id: int
    deal_id: int | None
    contact_id: int | None
    text: str

    kind: ClassVar[str] = "note"


Activity = Call | Email | Note
