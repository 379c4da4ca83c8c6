"""The size and identity knobs of a synthetic sales company."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

DEFAULT_START_DATE = dt.date(2026, 1, 5)


@dataclass(frozen=True)
class CompanyConfig:
    """How big the simulated company is and who it is.

    Nothing that the simulation generates depends on ``days``: it only says how many days
    ``Company.days()`` yields by default. So a company simulated for 120 days and then one more
    day is identical to the same company simulated for 121 days.

    Attributes:
        seed: master seed. The static part (people, pipelines) is derived from it, and every
            simulated day draws from its own generator derived from ``(seed, day_index)``.
        managers: number of sales managers (users). One or two of them are fired during the
            simulation (from 4 and 7 managers respectively), so some users end up inactive.
        teams: number of sales teams (amoCRM user groups, Bitrix24 departments) the managers
            are spread over.
        pipelines: number of sales pipelines. The first is the main one (8 open stages); the
            others are smaller (3 open stages). Each has a won and a lost terminal stage.
        start_date: the first simulated day, a local date in ``timezone``.
        days: how many days ``Company.days()`` simulates by default.
        deals_per_day: mean number of new deals on a working day (Poisson); Saturdays get
            about a third of that and Sundays a sixth (web forms only).
        timezone: IANA time zone of the account; working hours (9:00-19:00 Mon-Fri, a short
            Saturday) are local to it.
        account_id: the CRM account id (amoCRM account id; used in ids and links).
        subdomain: the CRM account's subdomain (``demo`` in ``demo.amocrm.ru``).
        currency: ISO code of the account currency; every deal amount is in it.
    """

    seed: int = 42
    managers: int = 8
    teams: int = 2
    pipelines: int = 2
    start_date: dt.date = DEFAULT_START_DATE
    days: int = 120
    deals_per_day: float = 10.0
    timezone: str = "Europe/Moscow"
    account_id: int = 29876543
    subdomain: str = "demo"
    currency: str = "RUB"

    def __post_init__(self) -> None:
        if self.managers < 1:
            raise ValueError(f"managers must be at least 1, got {self.managers}")
        if not 1 <= self.teams <= self.managers:
            raise ValueError(f"teams must be between 1 and managers, got {self.teams}")
        if self.pipelines < 1:
            raise ValueError(f"pipelines must be at least 1, got {self.pipelines}")
        if self.days < 0:
            raise ValueError(f"days must not be negative, got {self.days}")
        if self.deals_per_day < 0:
            raise ValueError(f"deals_per_day must not be negative, got {self.deals_per_day}")
        if not isinstance(self.start_date, dt.date):
            raise TypeError("start_date must be a datetime.date, e.g. date(2026, 7, 1)")
        ZoneInfo(self.timezone)  # raises ZoneInfoNotFoundError for an unknown zone
