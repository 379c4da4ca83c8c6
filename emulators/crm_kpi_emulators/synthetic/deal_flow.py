"""The life of an open deal: touches, conversations, stage moves, meetings, proposals, closing."""

from __future__ import annotations

import math

from . import behaviour as b
from . import vocabulary as vocab
from .activities import (
    create_task,
    follow_up_due,
)
from .calendar import HOUR, MINUTE
from .history import DealResponsibleChanged, DealStageChanged
from .model import Stage, StageKind
from .randomness import pick_weighted, unit_draw
from .state import DealState
from .static import FOLLOW_UP, MEETING, SEND_PROPOSAL
from .world import Kind, World

COURTESY = 1  # TOUCH extra: a plain call-back outside the deal's flow


# ---- bookkeeping ---------------------------------------------------------------------------


def mark(world: World, deal: DealState, at: int, by: int) -> None:
    """Record that the deal changed at ``at`` by ``by``."""
    if at >= deal.updated_at:
        deal.updated_at = at
        deal.updated_by = by
    world.recorder.deals[deal.id] = deal


def reassign(world: World, deal: DealState, at: int, by: int, to_user: int) -> None:
    """Hand the deal over to ``to_user``."""
    if to_user == deal.responsible_id:
        return
    world.recorder.facts.append(
        DealResponsibleChanged(world.next_fact_seq(), at, by, deal.id, deal.responsible_id, to_user)
    )
    deal.responsible_id = to_user
    mark(world, deal, at, by)


def doer(world: World, deal: DealState | None) -> int:
    """Who acts on the deal now: its manager, or the head of sales."""
    if deal is not None and world.is_active(deal.responsible_id):
        return deal.responsible_id
    return world.static.admin.id


def release(world: World, deal: DealState) -> None:
    """Forget a closed (or deleted) deal once nothing more is planned for it."""
    if deal.scheduled <= 0 and not deal.is_open:
        world.deals.pop(deal.id, None)


def took_place(world: World, deal_id: int) -> DealState | None:
    """The deal a scheduled action refers to (counting the action as done), if still known."""
    deal = world.deals.get(deal_id)
    if deal is not None:
        deal.scheduled -= 1
    return deal


def office_end(world: World) -> int:
    """End of today's office hours (or of the day when there are none)."""
    hours = world.calendar.office_hours(world.day)
    return hours[1] if hours else world.calendar.bounds(world.day)[1] - HOUR


def later(world: World, at: int, low_s: int, high_s: int) -> int:
    """A moment a little after ``at``, kept inside today's office hours."""
    return min(at + low_s + int(world.rng.random() * (high_s - low_s)), office_end(world) - 1)


def stages_of(world: World, deal: DealState) -> tuple[Stage, ...]:
    return world.static.pipelines_by_id[deal.pipeline_id].open_stages


def stage_code(world: World, deal: DealState) -> str:
    """The code of the deal's current open stage."""
    return stages_of(world, deal)[deal.stage_index].code


def move(world: World, deal: DealState, at: int, by: int, stage: Stage) -> None:
    """Move the deal to ``stage`` (any pipeline), keeping ``closed_at`` consistent."""
    world.recorder.facts.append(
        DealStageChanged(
            world.next_fact_seq(),
            at,
            by,
            deal.id,
            deal.pipeline_id,
            deal.stage_id,
            stage.pipeline_id,
            stage.id,
        )
    )
    deal.pipeline_id = stage.pipeline_id
    deal.stage_id = stage.id
    open_stages = world.static.pipelines_by_id[stage.pipeline_id].open_stages
    deal.stage_index = open_stages.index(stage) if stage.kind is StageKind.OPEN else -1
    if deal.stage_index >= 0:
        deal.closed_at = None
        deal.loss_reason_id = None
    else:
        deal.closed_at = at
        deal.touch_token = 0
    mark(world, deal, at, by)


# ---- planning ----------------------------------------------------------------------------


def plan_touch(
    world: World,
    deal: DealState,
    at: int,
    by: int,
    days_ahead: int,
    text: str,
    touch_at: int | None = None,
) -> None:
    """Plan the next call on the deal and the follow-up task that reminds of it.

    The task is done on time (at the call), late (the call slips by 1-3 working days), or
    never (the call happens, the task stays open and overdue).
    """
    rng, cal = world.rng, world.calendar
    manager = deal.responsible_id
    if touch_at is None:
        touch_at = cal.slot(rng, manager, world.day + days_ahead, not_before=at + 20 * MINUTE)
    due = follow_up_due(world, touch_at)
    fate = rng.random()
    completes = True
    if fate >= b.TASK_ON_TIME + b.TASK_LATE:
        completes = False
    elif fate >= b.TASK_ON_TIME:
        touch_at = cal.slot(rng, manager, cal.day_of(due) + 1 + int(rng.random() * 3))
    task = create_task(world, at, by, FOLLOW_UP.id, text, deal, due, will_complete=completes)
    if completes:
        world.schedule(touch_at, Kind.TASK_DONE, task.id)
    deal.touch_token = world.schedule_for_deal(deal, touch_at, Kind.TOUCH)
    _maybe_inbound(world, deal, at, touch_at)


def interest(world: World, deal: DealState) -> float:
    """The client's own interest in the deal, fixed per deal (``behaviour.INTEREST_RANGE``)."""
    low, high = b.INTEREST_RANGE
    return low + (high - low) * unit_draw(world.config.seed, "interest", deal.id)


def warmth(world: World, deal: DealState, at: int, first_stage: bool) -> float:
    """How much more (> 1) or less likely than usual a conversation moves the deal forward:
    lead source, the client's interest, a slow first response, the deal's age."""
    value = b.SOURCE_WARMTH.get(deal.lead_source, 1.0) * interest(world, deal)
    age_hours = (at - deal.created_at) / HOUR
    if first_stage and age_hours > b.SLOW_RESPONSE_HOURS:
        value *= b.SLOW_RESPONSE_WARMTH
    stale_days = age_hours / 24 - b.STALE_AFTER_DAYS
    if stale_days > 0:
        value *= b.STALE_WARMTH_PER_30_DAYS ** (stale_days / 30)
    return value


def _maybe_inbound(world: World, deal: DealState, after: int, before: int) -> None:
    """The client may call or write on their own before the next planned touch (more often
    the more interested they are)."""
    rng, cal = world.rng, world.calendar
    first, last = world.day, cal.day_of(before)
    for kind, share in (
        (Kind.INBOUND_CALL, b.INBOUND_CALL_BETWEEN_TOUCHES),
        (Kind.INBOUND_EMAIL, b.INBOUND_EMAIL_BETWEEN_TOUCHES),
    ):
        if rng.random() < share * interest(world, deal):
            day = first + int(rng.random() * (last - first + 1))
            at = cal.slot(rng, deal.responsible_id, day, not_before=after + 10 * MINUTE)
            if at < before:
                world.schedule_for_deal(deal, at, kind)


def _plan_meeting(world: World, deal: DealState, at: int, by: int) -> None:
    rng, cal = world.rng, world.calendar
    manager = deal.responsible_id
    day = cal.next_working_day(manager, world.day + 1 + int(rng.random() * 4))
    latest = 13 if cal.weekday(day) == 5 else 16
    minute = 30 if rng.random() < 0.5 else 0
    start = cal.local_time(day, 10 + int(rng.random() * (latest - 10 + 1)), minute)
    duration = (1800, 3600, 3600, 5400)[int(rng.random() * 4)]
    due = start + duration
    fate = rng.random()
    text = vocab.MEETING_TEXTS[int(rng.random() * len(vocab.MEETING_TEXTS))]
    if fate < b.MEETING_ON_TIME + b.MEETING_LATE:
        done_at = due - int(rng.random() * 10 * MINUTE)
        if fate >= b.MEETING_ON_TIME:
            done_at = cal.slot(rng, manager, day + 1 + int(rng.random() * 2))
        task = create_task(world, at, by, MEETING.id, text, deal, due, duration)
        deal.touch_token = world.schedule_for_deal(deal, done_at, Kind.MEETING_DONE, task.id)
    else:  # not held: the task stays open, the manager calls the next working day
        create_task(world, at, by, MEETING.id, text, deal, due, duration, will_complete=False)
        plan_touch(world, deal, at, by, day + 1 - world.day, vocab.CALLBACK_TEXT)


def _plan_proposal(world: World, deal: DealState, at: int, by: int) -> None:
    rng, cal = world.rng, world.calendar
    manager = deal.responsible_id
    send_at = cal.slot(rng, manager, world.day, not_before=at + 20 * MINUTE)
    due_day = cal.next_working_day(manager, cal.day_of(send_at) + 1)
    due = max(cal.local_time(due_day, 18), send_at + HOUR)
    fate = rng.random()
    if fate < b.TASK_ON_TIME + b.TASK_LATE:
        if fate >= b.TASK_ON_TIME:
            send_at = cal.slot(rng, manager, due_day + 1 + int(rng.random() * 2))
        task = create_task(world, at, by, SEND_PROPOSAL.id, vocab.PROPOSAL_TASK_TEXT, deal, due)
        deal.touch_token = world.schedule_for_deal(deal, send_at, Kind.PROPOSAL_SENT, task.id)
    else:
        create_task(
            world,
            at,
            by,
            SEND_PROPOSAL.id,
            vocab.PROPOSAL_TASK_TEXT,
            deal,
            due,
            will_complete=False,
        )
        plan_touch(world, deal, at, by, 2, vocab.FOLLOW_UP_TEXTS[3])


# ---- moving through the pipeline -----------------------------------------------------------


def enter(world: World, deal: DealState, at: int, by: int) -> None:
    """What a manager does right after moving a deal into a new open stage."""
    code = stage_code(world, deal)
    rng = world.rng
    if code in b.PRICE_CHANGE_STAGES and rng.random() < b.PRICE_CHANGE:
        deal.amount = max(1000, int(round(deal.amount * (0.8 + 0.45 * rng.random()), -2)))
        mark(world, deal, at, by)
    if code == "MEETING":
        _plan_meeting(world, deal, at, by)
    elif code == "PROPOSAL":
        _plan_proposal(world, deal, at, by)
    else:
        texts = vocab.FOLLOW_UP_TEXTS
        plan_touch(world, deal, at, by, 1 + int(rng.random() * 3), texts[int(rng.random() * 3)])


def converse(world: World, deal: DealState, at: int, by: int) -> None:
    """After a conversation the deal advances, is lost, moves back, or waits."""
    rng = world.rng
    stages = stages_of(world, deal)
    index = deal.stage_index
    code = stages[index].code
    advance, lose, back = b.STAGE_ODDS.get(code, (0.4, 0.08, 0.03))
    odds = world.skill[deal.responsible_id] * warmth(world, deal, at, first_stage=index == 0)
    advance, lose = min(0.95, advance * odds), min(0.9, lose / odds)
    last = index == len(stages) - 1
    if deal.reopened and last:
        advance, lose = b.REOPENED_WIN, 0.05
    draw = rng.random()
    if draw < lose:
        lose_deal(world, deal, at, by, loss_reason(world, index))
    elif draw < lose + advance:
        pipeline = world.static.pipelines_by_id[deal.pipeline_id]
        if last:
            win_deal(world, deal, at, by)
            return
        main = world.static.main_pipeline
        if not pipeline.is_main and code == "NEGOTIATION" and rng.random() < b.PIPELINE_MOVE:
            target = next(s for s in main.open_stages if s.code == "PROPOSAL")
        else:
            target = stages[index + 1]
        move(world, deal, at, by, target)
        enter(world, deal, at, by)
    elif draw < lose + advance + back and index >= 2:
        steps = 2 if index >= 3 and rng.random() < 0.25 else 1
        move(world, deal, at, by, stages[index - steps])
        plan_touch(world, deal, at, by, 1 + int(rng.random() * 2), vocab.FOLLOW_UP_TEXTS[2])
    else:
        texts = vocab.FOLLOW_UP_TEXTS
        plan_touch(world, deal, at, by, 1 + int(rng.random() * 3), texts[int(rng.random() * 4)])


def loss_reason(world: World, stage_index: int) -> str:
    table = b.EARLY_LOSS_REASONS if stage_index < 3 else b.LATE_LOSS_REASONS
    names = tuple(name for name, _ in table)
    cumulative = tuple(sum(w for _, w in table[: i + 1]) for i in range(len(table)))
    return pick_weighted(world.rng, names, cumulative)  # type: ignore[return-value]


def win_deal(world: World, deal: DealState, at: int, by: int) -> None:
    """Close the deal as won."""
    move(world, deal, at, by, world.static.pipelines_by_id[deal.pipeline_id].won_stage)
    deal.reopened = False
    after_close(world, deal, at, won=True)


def lose_deal(world: World, deal: DealState, at: int, by: int, reason: str) -> None:
    """Close the deal as lost for ``reason``."""
    deal.last_open_index = deal.stage_index
    move(world, deal, at, by, world.static.pipelines_by_id[deal.pipeline_id].lost_stage)
    deal.loss_reason_id = world.static.loss_reasons_by_name[reason].id
    after_close(world, deal, at, won=False, junk=reason == vocab.JUNK_REASON)


def after_close(world: World, deal: DealState, at: int, won: bool, junk: bool = False) -> None:
    """Plan what may still happen to a closed deal: reopening, reassignment, deletion."""
    rng, cal = world.rng, world.calendar
    admin = world.static.admin.id
    if rng.random() < (b.WON_REOPEN if won else b.LOST_REOPEN):
        reopen_at = cal.slot(rng, deal.responsible_id, world.day + 1 + int(rng.random() * 7))
        world.schedule_for_deal(deal, reopen_at, Kind.REOPEN)
    if rng.random() < b.REASSIGN_AFTER_CLOSE:
        world.schedule_for_deal(
            deal, cal.slot(rng, admin, world.day + 2 + int(rng.random() * 18)), Kind.REASSIGN
        )
    delete_share = b.JUNK_DELETE if junk else (b.WON_DELETE if won else b.LOST_DELETE)
    if rng.random() < delete_share:
        delete_at = cal.slot(rng, deal.responsible_id, world.day + 1 + int(rng.random() * 10))
        world.schedule_for_deal(deal, delete_at, Kind.DELETE)
    release(world, deal)


def first_touch(world: World, deal: DealState, at: int, by: int) -> None:
    """Plan the first call on a new deal: soon when someone is at work, else next morning."""
    manager = deal.responsible_id
    window = world.calendar.window(manager, world.day)
    touch_at = None
    if window is not None:
        soon = max(at, window[0]) + int(world.rng.expovariate(1 / (35 * MINUTE)))
        if soon < window[1] - 45 * MINUTE:
            touch_at = soon
    days_ahead = 0 if touch_at is not None else 1
    plan_touch(world, deal, at, by, days_ahead, vocab.FOLLOW_UP_TEXTS[0], touch_at=touch_at)


def lognormal_amount(world: World, main: bool) -> int:
    """A deal amount in whole currency units, rounded to hundreds."""
    median = b.DEAL_AMOUNT_MEDIAN["main" if main else "other"]
    value = math.exp(math.log(median) + b.DEAL_AMOUNT_SIGMA * world.rng.gauss(0, 1))
    return max(1000, int(round(value, -2)))
