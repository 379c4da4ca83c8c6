"""The static part of the company: account, teams, managers, pipelines and dictionaries."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from . import vocabulary as vocab
from .calendar import WorkCalendar
from .config import CompanyConfig
from .model import (
    Account,
    LeadSource,
    LossReason,
    Manager,
    Pipeline,
    Stage,
    StageKind,
    TaskType,
    Team,
)
from .randomness import derived_rng, stable_hash

DAY = 24 * 3600

# Id ranges: realistic-looking, disjoint per kind, the same for every CRM that serves them.
TEAM_ID_BASE = 100
MANAGER_ID_BASE = 8_375_000
PIPELINE_ID_BASE = 7_800_000
STAGE_ID_BASE = 61_000_000
LOSS_REASON_ID_BASE = 9_100_000

FOLLOW_UP = TaskType(id=1, code="FOLLOW_UP", name="Связаться", is_custom=False)
MEETING = TaskType(id=2, code="MEETING", name="Встреча", is_custom=False)
SEND_PROPOSAL = TaskType(id=3, code="SEND_PROPOSAL", name="Отправить КП", is_custom=True)

# Managers fired during the simulation: (minimum head count, manager position from the end,
# first possible day, spread in days). Independent of ``CompanyConfig.days`` on purpose.
_DISMISSALS = ((4, 1, 40, 20), (7, 2, 80, 20))


@dataclass(frozen=True)
class CompanyStatic:
    """Everything about the company that does not change day by day."""

    account: Account
    teams: tuple[Team, ...]
    managers: tuple[Manager, ...]
    pipelines: tuple[Pipeline, ...]
    loss_reasons: tuple[LossReason, ...]
    task_types: tuple[TaskType, ...]
    lead_sources: tuple[LeadSource, ...]

    @cached_property
    def managers_by_id(self) -> dict[int, Manager]:
        """Managers keyed by id."""
        return {manager.id: manager for manager in self.managers}

    @cached_property
    def pipelines_by_id(self) -> dict[int, Pipeline]:
        """Pipelines keyed by id."""
        return {pipeline.id: pipeline for pipeline in self.pipelines}

    @cached_property
    def stages_by_id(self) -> dict[int, Stage]:
        """Stages of every pipeline keyed by id."""
        return {stage.id: stage for pipeline in self.pipelines for stage in pipeline.stages}

    @cached_property
    def loss_reasons_by_name(self) -> dict[str, LossReason]:
        """Loss reasons keyed by name."""
        return {reason.name: reason for reason in self.loss_reasons}

    @property
    def main_pipeline(self) -> Pipeline:
        """The main pipeline."""
        return self.pipelines[0]

    @property
    def admin(self) -> Manager:
        """The head of sales, who reassigns deals and fires people."""
        return self.managers[0]


def build_static(config: CompanyConfig, calendar: WorkCalendar) -> CompanyStatic:
    """Derive the static part of the company from the config (deterministic for a seed)."""
    rng = derived_rng(config.seed, "static")
    founded = calendar.local_time(0, 10) - 700 * DAY
    account = Account(
        id=config.account_id,
        name=f"ООО «{rng.choice(vocab.COMPANY_WORDS)}» (демо)",
        subdomain=config.subdomain,
        timezone=config.timezone,
        currency=config.currency,
        country="RU",
        created_at=founded,
    )
    teams = tuple(
        Team(
            id=TEAM_ID_BASE + i + 1,
            name=vocab.TEAM_NAMES[i] if i < len(vocab.TEAM_NAMES) else f"Отдел продаж {i + 1}",
        )
        for i in range(config.teams)
    )
    return CompanyStatic(
        account=account,
        teams=teams,
        managers=_managers(config, calendar, teams, founded),
        pipelines=_pipelines(config.pipelines),
        loss_reasons=tuple(
            LossReason(id=LOSS_REASON_ID_BASE + i + 1, name=name, sort=(i + 1) * 10)
            for i, name in enumerate(vocab.LOSS_REASONS)
        ),
        task_types=(FOLLOW_UP, MEETING, SEND_PROPOSAL),
        lead_sources=tuple(LeadSource(*source) for source in vocab.LEAD_SOURCES),
    )


def _managers(
    config: CompanyConfig, calendar: WorkCalendar, teams: tuple[Team, ...], founded: int
) -> tuple[Manager, ...]:
    rng = derived_rng(config.seed, "managers")
    fired: dict[int, int] = {}
    for min_count, from_end, first_day, spread in _DISMISSALS:
        if config.managers >= min_count:
            position = config.managers - from_end
            day = first_day + stable_hash(config.seed, "fired", position) % spread
            while calendar.weekday(day) >= 5:  # people are dismissed on working days
                day += 1
            fired[position] = day
    used: set[tuple[str, str]] = set()
    managers = []
    for i in range(config.managers):
        while True:
            female = rng.random() < 0.5
            first = rng.choice(vocab.FEMALE_FIRST_NAMES if female else vocab.MALE_FIRST_NAMES)
            last_male = rng.choice(vocab.LAST_NAMES)
            last = vocab.female_last_name(last_male) if female else last_male
            if (first, last) not in used:
                used.add((first, last))
                break
        fired_day = fired.get(i)
        managers.append(
            Manager(
                id=MANAGER_ID_BASE + i + 1,
                first_name=first,
                last_name=last,
                email=(
                    f"{vocab.transliterate(first)[0]}.{vocab.transliterate(last)}"
                    f"@{config.subdomain}-sales.ru"
                ),
                phone=f"+7495{rng.randrange(10**7):07d}",
                team_id=teams[i % len(teams)].id,
                is_admin=i == 0,
                created_at=founded + (i + 1) * 3 * DAY,
                fired_day=fired_day,
                fired_at=None if fired_day is None else calendar.local_time(fired_day, 9),
            )
        )
    return tuple(managers)


def _pipelines(count: int) -> tuple[Pipeline, ...]:
    pipelines = []
    next_stage_id = STAGE_ID_BASE
    for p in range(count):
        pipeline_id = PIPELINE_ID_BASE + p + 1
        if p == 0:
            name, open_stages = vocab.MAIN_PIPELINE_NAME, vocab.MAIN_PIPELINE_STAGES
        else:
            names = vocab.SMALL_PIPELINE_NAMES
            name = names[p - 1] if p - 1 < len(names) else f"Воронка {p + 1}"
            open_stages = vocab.SMALL_PIPELINE_STAGES
        stages = []
        specs = [(code, title, StageKind.OPEN) for code, title in open_stages]
        specs += [(*vocab.WON_STAGE, StageKind.WON), (*vocab.LOST_STAGE, StageKind.LOST)]
        for sort, (code, title, kind) in enumerate(specs, start=1):
            next_stage_id += 1
            stages.append(
                Stage(
                    id=next_stage_id,
                    pipeline_id=pipeline_id,
                    name=title,
                    sort=sort * 10,
                    kind=kind,
                    code=code,
                )
            )
        pipelines.append(
            Pipeline(id=pipeline_id, name=name, sort=p + 1, is_main=p == 0, stages=tuple(stages))
        )
    return tuple(pipelines)
