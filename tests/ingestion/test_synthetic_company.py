"""The synthetic company: deterministic, streamed day by day, and behaving like a sales team."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pytest
from crm_kpi_emulators.synthetic import (
    Call,
    CallStatus,
    Company,
    CompanyConfig,
    DayChanges,
    Deal,
    DealCreated,
    DealDeleted,
    DealResponsibleChanged,
    DealRestored,
    DealStageChanged,
    Direction,
    Email,
    ManagerDeactivated,
    Note,
    StageKind,
    Task,
    TaskCompleted,
    TaskCreated,
)

START = dt.date(2026, 7, 1)
CYRILLIC = re.compile(r"^[А-ЯЁ][а-яё]+$")


@dataclass
class History:
    """Everything a company produced, with the last snapshot of every entity."""

    company: Company
    days: list[DayChanges]
    deals: dict[int, Deal] = field(default_factory=dict)
    tasks: dict[int, Task] = field(default_factory=dict)
    activities: list = field(default_factory=list)
    facts: list = field(default_factory=list)

    def __post_init__(self) -> None:
        for day in self.days:
            self.deals.update((deal.id, deal) for deal in day.deals)
            self.tasks.update((task.id, task) for task in day.tasks)
            self.activities.extend(day.activities)
            self.facts.extend(day.history)

    def kind(self, stage_id: int) -> StageKind:
        return self.company.static.stages_by_id[stage_id].kind

    def of_type(self, cls: type) -> list:
        return [fact for fact in self.facts if isinstance(fact, cls)]


@pytest.fixture(scope="module")
def history() -> History:
    company = Company(CompanyConfig(start_date=START, days=120))
    return History(company, list(company.days()))


def test_same_seed_gives_the_same_stream_and_another_seed_does_not() -> None:
    config = CompanyConfig(start_date=START, days=25)
    first, second = list(Company(config).days()), list(Company(config).days())
    assert first == second
    other = CompanyConfig(seed=7, start_date=START, days=25)
    assert list(Company(other).days()) != first


def test_one_more_day_equals_a_longer_simulation() -> None:
    short = Company(CompanyConfig(start_date=START, days=40))
    stream = list(short.days())
    stream.append(short.next_day())
    longer = list(Company(CompanyConfig(start_date=START, days=41)).days())
    assert stream == longer
    assert [day.day_index for day in stream] == list(range(41))


def test_static_part(history: History) -> None:
    static = history.company.static
    assert static.account.timezone == "Europe/Moscow" and static.account.currency == "RUB"
    assert len(static.managers) == 8 and len(static.teams) == 2
    assert {m.team_id for m in static.managers} == {t.id for t in static.teams}
    for manager in static.managers:
        assert CYRILLIC.match(manager.first_name) and CYRILLIC.match(manager.last_name)
        assert re.fullmatch(r"[a-z]\.[a-z]+@demo-sales\.ru", manager.email)
    fired = [m for m in static.managers if m.fired_day is not None]
    assert 1 <= len(fired) <= 2 and all(m.fired_day < 120 for m in fired)
    assert not static.admin.fired_day and static.admin.is_admin
    main, second = static.pipelines
    assert main.is_main and len(main.open_stages) == 8 and len(second.open_stages) == 3
    for pipeline in static.pipelines:
        kinds = [stage.kind for stage in pipeline.stages]
        assert kinds[-2:] == [StageKind.WON, StageKind.LOST]
        assert [s.sort for s in pipeline.stages] == sorted(s.sort for s in pipeline.stages)
    assert all(CYRILLIC.match(reason.name.split()[0]) for reason in static.loss_reasons)
    types = {task_type.id: task_type for task_type in static.task_types}
    assert types[1].code == "FOLLOW_UP" and types[2].code == "MEETING"
    assert any(task_type.is_custom and task_type.id > 2 for task_type in static.task_types)
    codes = {source.code for source in static.lead_sources}
    assert {"yandex_direct", "google", "seo", "referral", "cold_call", "exhibition"} <= codes


def test_days_are_time_ordered_and_inside_their_bounds(history: History) -> None:
    for day in history.days:
        for records in (day.deals, day.contacts, day.companies, day.tasks):
            keys = [(record.updated_at, record.id) for record in records]
            assert keys == sorted(keys)
            assert all(day.starts_at <= record.updated_at < day.ends_at for record in records)
        times = [activity.at for activity in day.activities]
        assert times == sorted(times)
        assert [(f.at, f.seq) for f in day.history] == sorted((f.at, f.seq) for f in day.history)
        assert all(day.starts_at <= t < day.ends_at for t in times)
        assert all(day.starts_at <= fact.at < day.ends_at for fact in day.history)
    created = history.of_type(DealCreated)
    assert [fact.deal_id for fact in created] == sorted(fact.deal_id for fact in created)


def test_volume_and_mix_of_a_default_company(history: History) -> None:
    deals = history.deals.values()
    assert 800 <= len(history.deals) <= 1200
    kinds = Counter(history.kind(deal.stage_id) for deal in deals)
    assert kinds[StageKind.WON] > 50 and kinds[StageKind.LOST] > 200 and kinds[StageKind.OPEN] > 50
    assert len({deal.lead_source for deal in deals}) == 6
    assert any(deal.company_id for deal in deals) and any(not deal.company_id for deal in deals)
    assert any(len(deal.contact_ids) > 1 for deal in deals)
    assert all(isinstance(deal.amount, int) and deal.amount > 0 for deal in deals)
    returning = Counter(deal.contact_ids[0] for deal in deals)
    assert max(returning.values()) > 1, "some customers come back with a new deal"
    assert any(fact.by == 0 for fact in history.of_type(DealCreated)), "web forms (robot)"


def test_stage_walks_are_continuous_and_closed_at_follows_the_terminal_stage(
    history: History,
) -> None:
    current: dict[int, tuple[int, int]] = {}
    entered_terminal: dict[int, int | None] = {}
    for fact in history.facts:
        if isinstance(fact, DealCreated):
            current[fact.deal_id] = (fact.pipeline_id, fact.stage_id)
            assert history.kind(fact.stage_id) is StageKind.OPEN
        elif isinstance(fact, DealStageChanged):
            assert current[fact.deal_id] == (fact.from_pipeline_id, fact.from_stage_id)
            assert fact.from_stage_id != fact.to_stage_id
            if history.kind(fact.from_stage_id) is not StageKind.OPEN:
                assert history.kind(fact.to_stage_id) is StageKind.OPEN, "only a reopening"
            current[fact.deal_id] = (fact.to_pipeline_id, fact.to_stage_id)
            terminal = history.kind(fact.to_stage_id) is not StageKind.OPEN
            entered_terminal[fact.deal_id] = fact.at if terminal else None
    for deal in history.deals.values():
        assert current[deal.id] == (deal.pipeline_id, deal.stage_id)
        kind = history.kind(deal.stage_id)
        assert deal.closed_at == entered_terminal.get(deal.id)
        assert (deal.closed_at is None) == (kind is StageKind.OPEN)
        assert (deal.loss_reason_id is not None) == (kind is StageKind.LOST)
        assert deal.created_at <= deal.updated_at


def test_backward_moves_reopenings_and_pipeline_moves_happen(history: History) -> None:
    stages = history.company.static.stages_by_id
    moves = history.of_type(DealStageChanged)
    backwards = [
        move
        for move in moves
        if history.kind(move.to_stage_id) is StageKind.OPEN
        and history.kind(move.from_stage_id) is StageKind.OPEN
        and stages[move.to_stage_id].sort < stages[move.from_stage_id].sort
    ]
    assert backwards
    reopened = {
        move.deal_id
        for move in moves
        if history.kind(move.from_stage_id) is StageKind.WON
        and history.kind(move.to_stage_id) is StageKind.OPEN
    }
    won_again = [d for d in reopened if history.kind(history.deals[d].stage_id) is StageKind.WON]
    assert won_again, "a few deals are won, reopened and won again"
    assert any(move.from_pipeline_id != move.to_pipeline_id for move in moves)


def test_reassignments_deletions_and_restorations(history: History) -> None:
    changes = history.of_type(DealResponsibleChanged)
    closed_at = {d.id: d.closed_at for d in history.deals.values()}
    assert len(changes) > 20
    assert any(closed_at[c.deal_id] and c.at > closed_at[c.deal_id] for c in changes)
    deleted = {fact.deal_id for fact in history.of_type(DealDeleted)}
    restored = {fact.deal_id for fact in history.of_type(DealRestored)}
    assert deleted and restored and restored <= deleted
    for deal_id in deleted - restored:
        assert history.deals[deal_id].is_deleted
    assert all(not history.deals[deal_id].is_deleted for deal_id in restored - deleted)


def test_dismissed_managers_stop_working(history: History) -> None:
    static = history.company.static
    dismissed = {fact.manager_id: fact.at for fact in history.of_type(ManagerDeactivated)}
    assert set(dismissed) == {m.id for m in static.managers if m.fired_day is not None}
    # Nothing a leaver does after leaving; a client's inbound e-mail or call may still reach
    # a deal the leaver holds until someone takes it over.
    for activity in history.activities:
        if getattr(activity, "direction", None) == Direction.INBOUND:
            continue
        assert activity.at < dismissed.get(activity.manager_id, activity.at + 1)
    for deal in history.deals.values():
        if deal.closed_at is None and not deal.is_deleted:
            assert deal.responsible_id not in dismissed


def test_tasks_are_done_on_time_late_or_left_overdue(history: History) -> None:
    now = history.company.now
    tasks = history.tasks.values()
    on_time = [t for t in tasks if t.is_completed and t.completed_at <= t.due_at]
    late = [t for t in tasks if t.is_completed and t.completed_at > t.due_at]
    overdue = [t for t in tasks if not t.is_completed and t.due_at < now]
    assert len(on_time) > 5 * len(late) > 0
    assert overdue
    assert {task.type_id for task in tasks} == {1, 2, 3}
    meetings = [task for task in tasks if task.type_id == 2]
    assert all(task.duration_s > 0 and task.starts_at < task.due_at for task in meetings)
    completions = {fact.task_id: fact.at for fact in history.of_type(TaskCompleted)}
    assert completions == {t.id: t.completed_at for t in tasks if t.is_completed}
    assert {fact.task_id for fact in history.of_type(TaskCreated)} == set(history.tasks)
    assert all(task.deal_id is not None or task.contact_id is not None for task in tasks)


def test_calls_emails_and_notes(history: History) -> None:
    calls = [a for a in history.activities if isinstance(a, Call)]
    statuses = Counter(call.status for call in calls)
    assert set(statuses) == set(CallStatus)
    assert statuses[CallStatus.CONVERSATION] > sum(statuses.values()) / 3
    for call in calls:
        if call.status is CallStatus.CONVERSATION:
            assert call.duration_s >= 30 and call.recording_url
        elif call.status in (CallStatus.CALL_BACK_LATER, CallStatus.LEFT_MESSAGE):
            assert 0 < call.duration_s < 120
        else:
            assert call.duration_s == 0 and call.recording_url is None
    directions = Counter(call.direction for call in calls)
    assert directions[Direction.OUTBOUND] > 3 * directions[Direction.INBOUND] > 0
    assert any(c.direction is Direction.INBOUND and not c.status.is_answered for c in calls)
    emails = [a for a in history.activities if isinstance(a, Email)]
    assert {email.direction for email in emails} == set(Direction)
    assert any(isinstance(a, Note) for a in history.activities)
    manager_ids = set(history.company.static.managers_by_id)
    for activity in history.activities:
        assert activity.manager_id in manager_ids
        assert activity.deal_id is not None or activity.contact_id is not None
    assert any(a.deal_id is None for a in history.activities), "contact-only activity"


def test_people_act_during_working_hours_in_the_account_time_zone(history: History) -> None:
    zone = ZoneInfo(history.company.static.account.timezone)
    moments = [activity.at for activity in history.activities]
    moments += [fact.at for fact in history.facts if fact.by != 0]
    per_weekday = Counter()
    for moment in moments:
        local = dt.datetime.fromtimestamp(moment, zone)
        per_weekday[local.weekday()] += 1
        assert local.weekday() != 6, local
        start, end = (10, 15) if local.weekday() == 5 else (9, 19)
        assert dt.time(start) <= local.time() < dt.time(end), local
    assert per_weekday[5] < per_weekday[0] / 3


def test_entities_are_re_emitted_when_anything_changes(history: History) -> None:
    touched: dict[int, set[int]] = defaultdict(set)
    for day in history.days:
        snapshots = {deal.id: deal for deal in day.deals}
        for fact in day.history:
            deal_id = getattr(fact, "deal_id", None)
            if deal_id is not None:
                assert deal_id in snapshots
                assert snapshots[deal_id].updated_at >= fact.at
                touched[deal_id].add(day.day_index)
        task_ids = {task.id for task in day.tasks}
        for fact in day.history:
            if isinstance(fact, TaskCreated | TaskCompleted):
                assert fact.task_id in task_ids
    assert len(touched) == len(history.deals)


def test_memory_is_bounded_by_what_is_in_play() -> None:
    company = Company(CompanyConfig(start_date=START, days=360, deals_per_day=3.0))
    total = sum(
        len([f for f in day.history if isinstance(f, DealCreated)]) for day in company.days()
    )
    in_play = company.in_play
    assert total > 600
    assert in_play["deals"] < total / 5 and in_play["actions"] < total / 2


def test_a_leaver_still_holds_open_deals_after_leaving() -> None:
    """Issue 10: a manager deactivated mid-history keeps some open deals past the dismissal
    day (until the head of sales hands them over at their next touch)."""
    from crm_kpi_emulators.synthetic import Company
    from crm_kpi_emulators.synthetic.model import StageKind

    config = CompanyConfig(
        seed=5, start_date=dt.date(2026, 1, 5), days=120, managers=4, teams=2, deals_per_day=6.0
    )
    company = Company(config)
    fired = {m.id: m.fired_day for m in company.static.managers if m.fired_day is not None}
    assert fired
    kind = {stage.id: stage.kind for stage in company.static.stages_by_id.values()}
    held_on: dict[int, int] = {}  # open deal of a leaver -> the leaver, as of its last change
    kept_past_dismissal = []
    for day in company.days():
        for deal in day.deals:
            leaver = held_on.pop(deal.id, None)
            handed_over = leaver is not None and deal.responsible_id != leaver
            if handed_over and day.day_index > fired[leaver]:
                kept_past_dismissal.append(deal.id)
            is_open = kind[deal.stage_id] is StageKind.OPEN and not deal.is_deleted
            if deal.responsible_id in fired and is_open:
                held_on[deal.id] = deal.responsible_id
    assert kept_past_dismissal or any(fired[m] < config.days for m in held_on.values())
