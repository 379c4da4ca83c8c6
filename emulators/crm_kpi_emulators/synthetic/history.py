"""The history of the synthetic company: facts in order, and the changes of one day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .model import Activity, ClientCompany, Contact, Deal, Task

# History facts: what happened, in order. ``seq`` is unique and increases with time.


@dataclass(frozen=True, slots=True)
class DealCreated:
    """A deal was created in ``stage_id`` of ``pipeline_id``."""

    seq: int
    at: int
    by: int
    deal_id: int
    pipeline_id: int
    stage_id: int
    responsible_id: int


@dataclass(frozen=True, slots=True)
class DealStageChanged:
    """A deal moved between stages (possibly between pipelines, possibly backwards)."""

    seq: int
    at: int
    by: int
    deal_id: int
    from_pipeline_id: int
    from_stage_id: int
    to_pipeline_id: int
    to_stage_id: int


@dataclass(frozen=True, slots=True)
class DealResponsibleChanged:
    """A deal was reassigned to another manager."""

    seq: int
    at: int
    by: int
    deal_id: int
    from_user_id: int
    to_user_id: int


@dataclass(frozen=True, slots=True)
class DealDeleted:
    """A deal was deleted (moved to the bin; it may be restored)."""

    seq: int
    at: int
    by: int
    deal_id: int


@dataclass(frozen=True, slots=True)
class DealRestored:
    """A deleted deal was restored from the bin."""

    seq: int
    at: int
    by: int
    deal_id: int


@dataclass(frozen=True, slots=True)
class TaskCreated:
    """A task was created."""

    seq: int
    at: int
    by: int
    task_id: int


@dataclass(frozen=True, slots=True)
class TaskCompleted:
    """A task was marked done. ``at`` is the completion time."""

    seq: int
    at: int
    by: int
    task_id: int


@dataclass(frozen=True, slots=True)
class ManagerDeactivated:
    """A manager was fired: the user is inactive from now on."""

    seq: int
    at: int
    by: int
    manager_id: int


Fact = (
    DealCreated
    | DealStageChanged
    | DealResponsibleChanged
    | DealDeleted
    | DealRestored
    | TaskCreated
    | TaskCompleted
    | ManagerDeactivated
)


@dataclass(frozen=True)
class DayChanges:
    """Everything that happened on one simulated local day.

    Entity lists hold the state at the end of the day of every entity created or changed that
    day, ordered by ``(updated_at, id)``. ``activities`` and ``history`` are ordered by time.
    Every timestamp lies in ``[starts_at, ends_at)``.
    """

    day_index: int
    date: dt.date
    starts_at: int
    ends_at: int
    companies: tuple[ClientCompany, ...]
    contacts: tuple[Contact, ...]
    deals: tuple[Deal, ...]
    tasks: tuple[Task, ...]
    activities: tuple[Activity, ...]
    history: tuple[Fact, ...]
