"""The scheduled actions of an open deal's flow: planned calls, done tasks, meetings,
proposals, and the client's own calls and e-mails."""

from __future__ import annotations

from . import behaviour as b
from . import vocabulary as vocab
from .activities import add_call, add_email, add_note, call_status, complete_task
from .calendar import MINUTE
from .deal_flow import (
    COURTESY,
    converse,
    doer,
    enter,
    later,
    lose_deal,
    loss_reason,
    mark,
    move,
    plan_touch,
    reassign,
    release,
    stages_of,
    took_place,
)
from .history import DealDeleted
from .model import CallStatus, Direction
from .state import DealState
from .world import Kind, World


def on_touch(world: World, at: int, seq: int, deal_id: int, extra: int) -> None:
    """A planned outbound call on the deal (the heart of the flow)."""
    deal = took_place(world, deal_id)
    if deal is None:
        return
    courtesy = extra == COURTESY
    if not deal.is_open or (not courtesy and seq != deal.touch_token):
        release(world, deal)
        return
    if not world.is_active(deal.responsible_id):
        head = world.static.admin.id
        reassign(world, deal, at, head, world.colleague(deal.responsible_id).id)
    manager = deal.responsible_id
    window = world.calendar.window(manager, world.day)
    if window is None or at >= window[1]:
        if not courtesy:  # the manager is away: the call slips to the next working day
            when = world.calendar.slot(world.rng, manager, world.day + 1)
            deal.touch_token = world.schedule_for_deal(deal, when, Kind.TOUCH)
        return
    _call_out(world, deal, at, manager, follow=not courtesy)


def _call_out(world: World, deal: DealState, at: int, manager: int, follow: bool) -> None:
    rng = world.rng
    contact = deal.contact_ids[0] if deal.contact_ids else None
    status = call_status(world, Direction.OUTBOUND)
    call = add_call(world, at, manager, deal.id, contact, deal.phone, Direction.OUTBOUND, status)
    t = later(world, at + call.duration_s, 30, 180)
    if status is CallStatus.CONVERSATION:
        deal.unanswered = 0
        if rng.random() < b.NOTE_AFTER_CONVERSATION:
            add_note(world, t, manager, deal.id, contact)
            t = later(world, t, 60, 240)
        if not follow:
            return
        if deal.stage_index == 0 and deal.created_by == 0 and rng.random() < b.SPAM_SHARE:
            delete_deal(world, deal, t, manager)
            return
        converse(world, deal, t, manager)
        return
    deal.unanswered += 1
    if not follow:
        return
    if deal.unanswered >= b.GIVE_UP_AFTER_UNANSWERED and rng.random() < 0.6:
        lose_deal(world, deal, t, manager, vocab.NO_CONTACT_REASON)
        return
    if rng.random() < b.EMAIL_AFTER_MISSED_CALL and deal.contact_email:
        client = (deal.contact_name, deal.contact_email)
        add_email(world, t, manager, deal, contact, client, Direction.OUTBOUND)
    same_day = rng.random() < b.SAME_DAY_CALLBACK
    plan_touch(world, deal, t, manager, 0 if same_day else 1, vocab.CALLBACK_TEXT)


def delete_deal(world: World, deal: DealState, at: int, by: int) -> None:
    """Move the deal to the bin (it may be restored later)."""
    deal.is_deleted = True
    deal.touch_token = 0
    world.recorder.facts.append(DealDeleted(world.next_fact_seq(), at, by, deal.id))
    mark(world, deal, at, by)
    if world.rng.random() < b.RESTORE_AFTER_DELETE:
        admin = world.static.admin.id
        when = world.calendar.slot(world.rng, admin, world.day + 1 + int(world.rng.random() * 5))
        world.schedule_for_deal(deal, when, Kind.RESTORE)
    release(world, deal)


def on_task_done(world: World, at: int, seq: int, task_id: int, extra: int) -> None:
    """A follow-up task is marked done by whoever is in charge of its deal now."""
    task = world.tasks.get(task_id)
    if task is None:
        return
    deal = world.deals.get(task.deal_id) if task.deal_id else None
    by = deal.responsible_id if deal is not None else task.responsible_id
    if not world.is_active(by):
        by = world.static.admin.id
    result = vocab.FOLLOW_UP_RESULTS[int(world.rng.random() * len(vocab.FOLLOW_UP_RESULTS))]
    complete_task(world, task_id, at, by, result)


def on_meeting_done(world: World, at: int, seq: int, deal_id: int, task_id: int) -> None:
    """A meeting took place and is marked done; the deal usually moves on."""
    deal = took_place(world, deal_id)
    by = doer(world, deal)
    complete_task(world, task_id, at, by, vocab.MEETING_RESULT)
    if deal is None:
        return
    if not deal.is_open or seq != deal.touch_token:
        release(world, deal)
        return
    rng = world.rng
    contact = deal.contact_ids[0] if deal.contact_ids else None
    t = later(world, at, 60, 300)
    if rng.random() < 0.5:
        add_note(world, t, by, deal.id, contact)
    draw = rng.random()
    if draw < b.MEETING_LOST:
        lose_deal(world, deal, t, by, loss_reason(world, deal.stage_index))
    elif draw < b.MEETING_LOST + b.MEETING_ADVANCE * world.skill.get(by, 1.0):
        move(world, deal, t, by, stages_of(world, deal)[deal.stage_index + 1])
        enter(world, deal, t, by)
    else:
        plan_touch(world, deal, t, by, 1 + int(rng.random() * 2), vocab.FOLLOW_UP_TEXTS[2])


def on_proposal_sent(world: World, at: int, seq: int, deal_id: int, task_id: int) -> None:
    """The proposal task is done: the e-mail goes out and the client may answer."""
    deal = took_place(world, deal_id)
    by = doer(world, deal)
    complete_task(world, task_id, at, by, vocab.PROPOSAL_RESULT)
    if deal is None:
        return
    if not deal.is_open or seq != deal.touch_token:
        release(world, deal)
        return
    rng, cal = world.rng, world.calendar
    contact = deal.contact_ids[0] if deal.contact_ids else None
    client = (deal.contact_name, deal.contact_email)
    if deal.contact_email:
        when = later(world, at, 60, 180)
        subject = vocab.EMAIL_OUT_SUBJECTS[0]
        add_email(world, when, by, deal, contact, client, Direction.OUTBOUND, subject)
    if deal.contact_email and rng.random() < b.PROPOSAL_REPLY:
        reply_day = world.day + 1 + int(rng.random() * 3)
        world.schedule_for_deal(deal, cal.slot(rng, by, reply_day), Kind.INBOUND_EMAIL)
    plan_touch(world, deal, at, by, 2 + int(rng.random() * 3), vocab.FOLLOW_UP_TEXTS[3])


def on_inbound_call(world: World, at: int, seq: int, deal_id: int, extra: int) -> None:
    """The client calls; when nobody answers, the manager calls back."""
    deal = took_place(world, deal_id)
    if deal is None or not deal.is_open:
        if deal is not None:
            release(world, deal)
        return
    manager = deal.responsible_id
    window = world.calendar.window(manager, world.day)
    at_work = window is not None and window[0] <= at < window[1] and world.is_active(manager)
    status = call_status(world, Direction.INBOUND) if at_work else CallStatus.NO_ANSWER
    contact = deal.contact_ids[0] if deal.contact_ids else None
    call = add_call(world, at, manager, deal.id, contact, deal.phone, Direction.INBOUND, status)
    if status is CallStatus.CONVERSATION:
        if world.rng.random() < b.NOTE_AFTER_CONVERSATION:
            add_note(world, later(world, at + call.duration_s, 30, 180), manager, deal.id, contact)
        return
    back_at = world.calendar.slot(world.rng, manager, world.day, not_before=at + 5 * MINUTE)
    world.schedule_for_deal(deal, back_at, Kind.TOUCH, COURTESY)


def on_inbound_email(world: World, at: int, seq: int, deal_id: int, extra: int) -> None:
    """The client writes to the manager in charge of the deal."""
    deal = took_place(world, deal_id)
    if deal is None:
        return
    if deal.is_open and deal.contact_email:
        contact = deal.contact_ids[0] if deal.contact_ids else None
        client = (deal.contact_name, deal.contact_email)
        add_email(world, at, deal.responsible_id, deal, contact, client, Direction.INBOUND)
    release(world, deal)
