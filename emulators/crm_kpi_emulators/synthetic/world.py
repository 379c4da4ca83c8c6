"""The simulation's working memory: agenda, day recorder, customer book and shared context."""

from __future__ import annotations

import heapq
import random
from collections import deque
from enum import IntEnum

from . import behaviour as b
from .calendar import WorkCalendar
from .config import CompanyConfig
from .history import DayChanges, Fact
from .model import Activity, Manager, Task
from .randomness import derived_rng, unit_draw
from .state import CompanyState, ContactState, DealState, IdSequences, TaskState
from .static import CompanyStatic


class Kind(IntEnum):
    """What a scheduled action does."""

    ARRIVAL = 0
    TOUCH = 1
    TASK_DONE = 2
    MEETING_DONE = 3
    PROPOSAL_SENT = 4
    INBOUND_CALL = 5
    INBOUND_EMAIL = 6
    REOPEN = 7
    REASSIGN = 8
    DELETE = 9
    RESTORE = 10
    CUSTOMER_CONTACT = 11
    DISMISSAL = 12


Action = tuple[int, int, int, int, int]  # (at, seq, kind, subject id, extra)


class Agenda:
    """Actions due today (a heap ordered by time, then scheduling order) and on later days.

    Its size is bounded by the deals and tasks still in play, not by the history.
    """

    def __init__(self) -> None:
        self._today: list[Action] = []
        self._later: dict[int, list[Action]] = {}
        self.day = -1

    def open_day(self, day: int) -> None:
        """Make ``day`` the current day and load what was planned for it."""
        self.day = day
        self._today = self._later.pop(day, [])
        heapq.heapify(self._today)

    def add(self, day: int, action: Action) -> None:
        """Plan an action on ``day`` (today or later)."""
        if day <= self.day:
            heapq.heappush(self._today, action)
        else:
            self._later.setdefault(day, []).append(action)

    def pop(self) -> Action | None:
        """The next action of today, or ``None`` when the day is over."""
        return heapq.heappop(self._today) if self._today else None

    def __len__(self) -> int:
        return len(self._today) + sum(len(actions) for actions in self._later.values())


class DayRecorder:
    """Collects what changed today and turns it into a ``DayChanges``."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self.deals: dict[int, DealState] = {}
        self.contacts: dict[int, ContactState] = {}
        self.companies: dict[int, CompanyState] = {}
        self.tasks: dict[int, TaskState | Task] = {}
        self.activities: list[Activity] = []
        self.facts: list[Fact] = []

    def build(self, day: int, calendar: WorkCalendar) -> DayChanges:
        """Freeze today's changes (state at the end of the day) and start a new day."""
        start, end = calendar.bounds(day)

        def ordered(records: list) -> tuple:
            return tuple(sorted(records, key=lambda record: (record.updated_at, record.id)))

        changes = DayChanges(
            day_index=day,
            date=calendar.date(day),
            starts_at=start,
            ends_at=end,
            companies=ordered([state.snapshot() for state in self.companies.values()]),
            contacts=ordered([state.snapshot() for state in self.contacts.values()]),
            deals=ordered([state.snapshot() for state in self.deals.values()]),
            tasks=ordered(
                [t if isinstance(t, Task) else t.snapshot() for t in self.tasks.values()]
            ),
            activities=tuple(sorted(self.activities, key=lambda item: (item.at, item.id))),
            history=tuple(sorted(self.facts, key=lambda fact: (fact.at, fact.seq))),
        )
        self._reset()
        return changes


class CustomerBook:
    """The latest customers (contacts and their organisations) that may come back."""

    def __init__(self, size: int) -> None:
        self._order: deque[int] = deque()
        self.contacts: dict[int, ContactState] = {}
        self.companies: dict[int, CompanyState] = {}
        self._company_refs: dict[int, int] = {}
        self._size = size

    def add(self, contact: ContactState, company: CompanyState | None) -> None:
        """Remember a customer, forgetting the oldest one when the book is full."""
        self._order.append(contact.id)
        self.contacts[contact.id] = contact
        if company is not None:
            self.companies[company.id] = company
            self._company_refs[company.id] = self._company_refs.get(company.id, 0) + 1
        if len(self._order) > self._size:
            old = self.contacts.pop(self._order.popleft())
            if old.company_id is not None and old.company_id in self._company_refs:
                self._company_refs[old.company_id] -= 1
                if not self._company_refs[old.company_id]:
                    del self._company_refs[old.company_id]
                    del self.companies[old.company_id]

    def pick(self, rng: random.Random) -> ContactState | None:
        """A random remembered contact, or ``None`` when the book is empty."""
        if not self._order:
            return None
        return self.contacts[self._order[int(rng.random() * len(self._order))]]

    def __len__(self) -> int:
        return len(self._order)


class World:
    """Everything the handlers share. ``rng`` and ``day`` are today's."""

    def __init__(self, config: CompanyConfig, static: CompanyStatic, calendar: WorkCalendar):
        self.config = config
        self.static = static
        self.calendar = calendar
        self.ids = IdSequences()
        self.agenda = Agenda()
        self.recorder = DayRecorder()
        self.book = CustomerBook(b.CONTACT_POOL_SIZE)
        self.deals: dict[int, DealState] = {}
        self.tasks: dict[int, TaskState] = {}
        self.rng = random.Random(0)
        self.day = -1
        self.active: list[Manager] = []
        self.working: list[Manager] = []
        self.active_by_team: dict[int, list[Manager]] = {}
        self.skill = {
            manager.id: b.SKILL_RANGE[0]
            + (b.SKILL_RANGE[1] - b.SKILL_RANGE[0]) * unit_draw(config.seed, "skill", manager.id)
            for manager in static.managers
        }
        self._assign_cursor = 0

    # ---- ids and scheduling --------------------------------------------------------------

    def next_fact_seq(self) -> int:
        """A new history fact sequence number."""
        self.ids.fact += 1
        return self.ids.fact

    def schedule(self, at: int, kind: Kind, subject: int, extra: int = 0) -> int:
        """Plan an action at ``at`` and return its sequence number (used as a token)."""
        self.ids.action += 1
        seq = self.ids.action
        self.agenda.add(self.calendar.day_of(at), (at, seq, int(kind), subject, extra))
        return seq

    def schedule_for_deal(self, deal: DealState, at: int, kind: Kind, extra: int = 0) -> int:
        """Plan an action about a deal, keeping the deal in memory until it has run."""
        deal.scheduled += 1
        self.deals[deal.id] = deal
        return self.schedule(at, kind, deal.id, extra)

    # ---- days and people -----------------------------------------------------------------

    def begin_day(self, day: int) -> None:
        """Make ``day`` current: its generator, its agenda and who is at work."""
        self.day = day
        self.rng = derived_rng(self.config.seed, "day", day)
        self.agenda.open_day(day)
        self.calendar.forget_before(day)
        self.active = [m for m in self.static.managers if m.is_active_on(day)]
        self.working = [m for m in self.active if self.calendar.works(m.id, day)]
        self.active_by_team: dict[int, list[Manager]] = {}
        for manager in self.active:
            self.active_by_team.setdefault(manager.team_id, []).append(manager)

    def assignee(self) -> Manager:
        """The next manager to receive a deal (round robin over those at work today)."""
        candidates = self.working or self.active
        self._assign_cursor += 1
        return candidates[self._assign_cursor % len(candidates)]

    def colleague(self, manager_id: int) -> Manager:
        """Another active manager, from the same team when possible."""
        team = self.static.managers_by_id[manager_id].team_id
        same_team = [m for m in self.active_by_team.get(team, ()) if m.id != manager_id]
        if same_team and self.rng.random() < 0.7:
            return same_team[int(self.rng.random() * len(same_team))]
        others = [m for m in self.active if m.id != manager_id]
        if not others:
            return self.static.managers_by_id[manager_id]
        return others[int(self.rng.random() * len(others))]

    def is_active(self, manager_id: int) -> bool:
        """Whether the user is still employed today."""
        return self.static.managers_by_id[manager_id].is_active_on(self.day)
