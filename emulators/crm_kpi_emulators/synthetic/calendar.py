"""Local days, working hours and absences of the simulated company."""

from __future__ import annotations

import datetime as dt
import random
from functools import lru_cache
from zoneinfo import ZoneInfo

from .randomness import unit_draw

HOUR = 3600
MINUTE = 60
WORKDAY_HOURS = (9, 19)  # Monday-Friday, local time
SATURDAY_HOURS = (10, 15)
SATURDAY_SHIFT_SHARE = 0.3  # share of managers who work on a given Saturday
ABSENCE_SHARE = 0.04  # share of working days a manager is away (sick, day off)


class WorkCalendar:
    """Maps day indexes to local dates and UTC times, and knows who works when.

    Who works on which day is a pure function of ``(seed, manager_id, day_index)``, so the
    simulation can plan days ahead without drawing from the generator of that day.
    """

    def __init__(self, start_date: dt.date, timezone: str, seed: int) -> None:
        self.start_date = start_date
        self.tz = ZoneInfo(timezone)
        self.seed = seed
        self._dates: dict[int, dt.date] = {}
        self._office: dict[int, tuple[int, int] | None] = {}
        self._works: dict[int, dict[int, bool]] = {}
        self.first_day_start = self.local_time(0, 0)

    def date(self, day_index: int) -> dt.date:
        """The local date of a day index."""
        date = self._dates.get(day_index)
        if date is None:
            date = self._dates[day_index] = self.start_date + dt.timedelta(days=day_index)
        return date

    def weekday(self, day_index: int) -> int:
        """Monday is 0, Sunday is 6."""
        return self.date(day_index).weekday()

    def forget_before(self, day_index: int) -> None:
        """Drop cached answers about days before ``day_index`` (keeps memory bounded)."""
        for day in [day for day in self._works if day < day_index]:
            del self._works[day]

    def local_time(self, day_index: int, hour: int, minute: int = 0) -> int:
        """UTC epoch seconds of a local wall-clock time on a day."""
        return _local_epoch(self.date(day_index), hour, minute, self.tz)

    def bounds(self, day_index: int) -> tuple[int, int]:
        """``[start, end)`` of the local day in UTC epoch seconds."""
        return self.local_time(day_index, 0), self.local_time(day_index + 1, 0)

    def day_of(self, ts: int) -> int:
        """The day index of a timestamp taken between 01:00 and 23:00 local time."""
        return (ts - self.first_day_start) // (24 * HOUR)

    def office_hours(self, day_index: int) -> tuple[int, int] | None:
        """The company's working window of a day, or ``None`` on Sunday."""
        if day_index in self._office:
            return self._office[day_index]
        weekday = self.weekday(day_index)
        hours = None
        if weekday != 6:
            start, end = SATURDAY_HOURS if weekday == 5 else WORKDAY_HOURS
            hours = self.local_time(day_index, start), self.local_time(day_index, end)
        self._office[day_index] = hours
        return hours

    def works(self, manager_id: int, day_index: int) -> bool:
        """Whether a manager is at work that day (ignores dismissal; see ``Manager``)."""
        answers = self._works.setdefault(day_index, {})
        answer = answers.get(manager_id)
        if answer is None:
            weekday = self.weekday(day_index)
            if weekday == 6:
                answer = False
            else:
                draw = unit_draw(self.seed, "works", manager_id, day_index)
                answer = draw < SATURDAY_SHIFT_SHARE if weekday == 5 else draw >= ABSENCE_SHARE
            answers[manager_id] = answer
        return answer

    def window(self, manager_id: int, day_index: int) -> tuple[int, int] | None:
        """The manager's working window that day, or ``None`` when off."""
        if not self.works(manager_id, day_index):
            return None
        return self.office_hours(day_index)

    def next_working_day(self, manager_id: int, day_index: int, limit: int = 60) -> int:
        """The first day at or after ``day_index`` when the manager works."""
        for day in range(day_index, day_index + limit):
            if self.works(manager_id, day):
                return day
        return day_index + limit

    def slot(
        self,
        rng: random.Random,
        manager_id: int,
        day_index: int,
        not_before: int = 0,
        margin: int = 45 * MINUTE,
    ) -> int:
        """A random time within the manager's window on the first working day from
        ``day_index`` that still has room after ``not_before``, leaving ``margin`` before the
        end of the window for whatever follows the action."""
        day = day_index
        for _ in range(60):
            day = self.next_working_day(manager_id, day)
            start, end = self.office_hours(day)  # type: ignore[misc]
            start = max(start, not_before)
            if start < end - margin:
                return start + int(rng.random() * (end - margin - start))
            day += 1
        raise RuntimeError("no working slot within 60 days; the calendar is misconfigured")


@lru_cache(maxsize=4096)
def _local_epoch(date: dt.date, hour: int, minute: int, tz: ZoneInfo) -> int:
    return int(dt.datetime.combine(date, dt.time(hour, minute), tzinfo=tz).timestamp())
