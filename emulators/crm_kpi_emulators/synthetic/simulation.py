"""The day-by-day simulation of the company, as a stream of ``DayChanges``."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from . import behaviour as b
from . import deal_actions, deal_admin
from .calendar import HOUR, WorkCalendar
from .config import CompanyConfig
from .history import DayChanges
from .randomness import poisson
from .static import CompanyStatic, build_static
from .world import Kind, World

Handler = Callable[[World, int, int, int, int], None]

_HANDLERS: dict[int, Handler] = {
    Kind.ARRIVAL: deal_admin.on_arrival,
    Kind.TOUCH: deal_actions.on_touch,
    Kind.TASK_DONE: deal_actions.on_task_done,
    Kind.MEETING_DONE: deal_actions.on_meeting_done,
    Kind.PROPOSAL_SENT: deal_actions.on_proposal_sent,
    Kind.INBOUND_CALL: deal_actions.on_inbound_call,
    Kind.INBOUND_EMAIL: deal_actions.on_inbound_email,
    Kind.REOPEN: deal_admin.on_reopen,
    Kind.REASSIGN: deal_admin.on_reassign,
    Kind.DELETE: deal_admin.on_delete,
    Kind.RESTORE: deal_admin.on_restore,
    Kind.CUSTOMER_CONTACT: deal_admin.on_customer_contact,
    Kind.DISMISSAL: deal_admin.on_dismissal,
}


class Company:
    """A synthetic sales company that lives one local day at a time.

    >>> company = Company(CompanyConfig(start_date=date(2026, 7, 1), days=120))
    >>> for day in company.days():  # the configured 120 days
    ...     load(day)
    >>> load(company.next_day())  # and one more: identical to day 120 of a 121-day company

    Memory is bounded by the deals and tasks still in play (open deals, closed deals with a
    pending change, tasks with a planned completion) and a fixed-size book of recent customers.
    """

    def __init__(self, config: CompanyConfig) -> None:
        self.config = config
        self._calendar = WorkCalendar(config.start_date, config.timezone, config.seed)
        self.static: CompanyStatic = build_static(config, self._calendar)
        self._world = World(config, self.static, self._calendar)
        self._web_sources = [i for i, s in enumerate(self.static.lead_sources) if s.via_web_form]
        self.next_day_index = 0

    @property
    def calendar(self) -> WorkCalendar:
        """Local dates and working hours of the company."""
        return self._calendar

    @property
    def now(self) -> int:
        """UTC epoch seconds of the end of the last simulated day (start of the next one)."""
        return self._calendar.bounds(self.next_day_index)[0]

    @property
    def in_play(self) -> dict[str, int]:
        """How many records the simulation holds in memory (for benchmarks and tests)."""
        world = self._world
        return {
            "deals": len(world.deals),
            "open_deals": sum(1 for deal in world.deals.values() if deal.is_open),
            "tasks": len(world.tasks),
            "customers": len(world.book),
            "actions": len(world.agenda),
        }

    def days(self, until: int | None = None) -> Iterator[DayChanges]:
        """Simulate the next days up to day index ``until`` (default: ``config.days``)."""
        stop = self.config.days if until is None else until
        while self.next_day_index < stop:
            yield self.next_day()

    def next_day(self) -> DayChanges:
        """Simulate one more day and return what happened on it."""
        world = self._world
        day = self.next_day_index
        world.begin_day(day)
        deal_admin.schedule_dismissals(world)
        self._plan_arrivals(day)
        while (action := world.agenda.pop()) is not None:
            at, seq, kind, subject, extra = action
            _HANDLERS[kind](world, at, seq, subject, extra)
        self.next_day_index += 1
        return world.recorder.build(day, self._calendar)

    def _plan_arrivals(self, day: int) -> None:
        """New deals and unsolicited customer contacts of the day, at random times."""
        world, cal, rng = self._world, self._calendar, self._world.rng
        weekday = cal.weekday(day)
        share = {5: b.SATURDAY_DEAL_SHARE, 6: b.SUNDAY_DEAL_SHARE}.get(weekday, 1.0)
        office = cal.office_hours(day) if world.working else None
        sources = self.static.lead_sources
        web_start = cal.local_time(day, b.WEB_FORM_HOURS[0])
        web_span = (b.WEB_FORM_HOURS[1] - b.WEB_FORM_HOURS[0]) * HOUR
        cumulative, total = [], 0.0
        for source in sources:
            total += source.weight
            cumulative.append(total)
        for _ in range(poisson(rng, self.config.deals_per_day * share)):
            draw = rng.random() * total
            index = next(i for i, bound in enumerate(cumulative) if draw < bound)
            if office is None or weekday == 5 and rng.random() < 0.5:
                index = self._web_sources[int(rng.random() * len(self._web_sources))]
            if sources[index].via_web_form:
                at = web_start + int(rng.random() * web_span)
            else:  # entered by a manager during office hours
                start, end = office  # type: ignore[misc]
                at = start + int(rng.random() * (end - start - HOUR))
            world.schedule(at, Kind.ARRIVAL, index)
        if office is None:
            return
        start, end = office
        mean = b.CONTACT_ACTIVITY_PER_DEAL * self.config.deals_per_day * share
        for _ in range(poisson(rng, mean)):
            contact = world.book.pick(rng)
            if contact is not None:
                at = start + int(rng.random() * (end - start - HOUR))
                world.schedule(at, Kind.CUSTOMER_CONTACT, contact.id)


def simulate(config: CompanyConfig) -> Iterator[DayChanges]:
    """Yield the ``config.days`` days of a new company built from ``config``."""
    yield from Company(config).days()
