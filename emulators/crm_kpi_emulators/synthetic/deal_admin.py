"""New deals and customers, and the administrative side of deals: reassign, delete, reopen."""

from __future__ import annotations

from . import behaviour as b
from . import vocabulary as vocab
from .activities import add_call, add_email, add_note, call_status
from .deal_actions import delete_deal
from .deal_flow import (
    first_touch,
    lognormal_amount,
    mark,
    move,
    plan_touch,
    reassign,
    release,
    took_place,
)
from .history import DealCreated, DealRestored, ManagerDeactivated
from .model import ROBOT, CallStatus, Direction, LeadSource
from .state import CompanyState, ContactState, DealState
from .world import Kind, World


def _phone(world: World) -> str:
    return f"+79{int(world.rng.random() * 10**9):09d}"


def _new_company(world: World, at: int, by: int, responsible: int) -> CompanyState:
    rng = world.rng
    world.ids.company += 1
    form = vocab.COMPANY_FORMS[int(rng.random() * len(vocab.COMPANY_FORMS))]
    if form == "ИП":
        last = vocab.LAST_NAMES[int(rng.random() * len(vocab.LAST_NAMES))]
        first, middle = "АБВГДЕИКМНОПС"[int(rng.random() * 13)], "АВДИМНОПС"[int(rng.random() * 9)]
        name = f"ИП {last} {first}.{middle}."
    else:
        word = vocab.COMPANY_WORDS[int(rng.random() * len(vocab.COMPANY_WORDS))]
        name = f"{form} «{word}»"
    phone = None if rng.random() < b.COMPANY_WITHOUT_PHONE else _phone(world)
    company = CompanyState(world.ids.company, name, phone, responsible, by, at, at, by)
    world.recorder.companies[company.id] = company
    return company


def _new_contact(
    world: World, at: int, by: int, responsible: int, company: CompanyState | None
) -> ContactState:
    rng = world.rng
    world.ids.contact += 1
    female = rng.random() < 0.45
    firsts = vocab.FEMALE_FIRST_NAMES if female else vocab.MALE_FIRST_NAMES
    first = firsts[int(rng.random() * len(firsts))]
    last_male = vocab.LAST_NAMES[int(rng.random() * len(vocab.LAST_NAMES))]
    last = vocab.female_last_name(last_male) if female else last_male
    domain = vocab.EMAIL_DOMAINS[int(rng.random() * len(vocab.EMAIL_DOMAINS))]
    email = None
    if rng.random() >= b.CONTACT_WITHOUT_EMAIL:
        login = f"{vocab.transliterate(first)}.{vocab.transliterate(last)}{int(rng.random() * 100)}"
        email = f"{login}@{domain}"
    contact = ContactState(
        world.ids.contact,
        first,
        last,
        _phone(world),
        email,
        None if company is None else company.id,
        responsible,
        by,
        at,
        at,
        by,
    )
    world.recorder.contacts[contact.id] = contact
    return contact


def _customer(
    world: World, at: int, by: int, responsible: int
) -> tuple[ContactState, CompanyState | None, tuple[int, ...]]:
    """The main contact of a new deal (new or returning), its organisation, all contact ids."""
    rng = world.rng
    contact = world.book.pick(rng) if rng.random() < b.EXISTING_CONTACT_SHARE else None
    if contact is not None:
        contact.updated_at, contact.updated_by = at, by
        world.recorder.contacts[contact.id] = contact
        company = world.book.companies.get(contact.company_id) if contact.company_id else None
        if company is not None:
            company.updated_at, company.updated_by = at, by
            world.recorder.companies[company.id] = company
        return contact, company, (contact.id,)
    company = None
    if rng.random() < b.NEW_COMPANY_SHARE:
        company = _new_company(world, at, by, responsible)
    contact = _new_contact(world, at, by, responsible, company)
    world.book.add(contact, company)
    ids: tuple[int, ...] = (contact.id,)
    if company is not None and rng.random() < b.SECOND_CONTACT_SHARE:
        second = _new_contact(world, at, by, responsible, company)
        world.book.add(second, company)
        ids = (contact.id, second.id)
    return contact, company, ids


def on_arrival(world: World, at: int, seq: int, source_index: int, extra: int) -> None:
    """A new deal: from a web form (created by a robot) or entered by a manager."""
    rng = world.rng
    source: LeadSource = world.static.lead_sources[source_index]
    manager = world.assignee()
    by = ROBOT if source.via_web_form else manager.id
    pipelines = world.static.pipelines
    if len(pipelines) > 1 and rng.random() >= b.MAIN_PIPELINE_SHARE:
        pipeline = pipelines[1 + int(rng.random() * (len(pipelines) - 1))]
    else:
        pipeline = pipelines[0]
    contact, company, contact_ids = _customer(world, at, by, manager.id)
    world.ids.deal += 1
    product = vocab.PRODUCTS[int(rng.random() * len(vocab.PRODUCTS))]
    client = company.name if company is not None else f"{contact.first_name} {contact.last_name}"
    first_stage = pipeline.open_stages[0]
    deal = DealState(
        id=world.ids.deal,
        name=f"{product} — {client}",
        pipeline_id=pipeline.id,
        stage_id=first_stage.id,
        stage_index=0,
        amount=lognormal_amount(world, pipeline.is_main),
        lead_source=source.code,
        responsible_id=manager.id,
        created_by=by,
        created_at=at,
        updated_by=by,
        updated_at=at,
        closed_at=None,
        loss_reason_id=None,
        contact_ids=contact_ids,
        company_id=None if company is None else company.id,
        phone=contact.phone,
        contact_name=f"{contact.first_name} {contact.last_name}",
        contact_email=contact.email,
    )
    world.deals[deal.id] = deal
    world.recorder.deals[deal.id] = deal
    world.recorder.facts.append(
        DealCreated(world.next_fact_seq(), at, by, deal.id, pipeline.id, first_stage.id, manager.id)
    )
    if rng.random() < b.REASSIGN_OPEN:
        head = world.static.admin.id
        when = world.calendar.slot(rng, head, world.day + 2 + int(rng.random() * 18))
        world.schedule_for_deal(deal, when, Kind.REASSIGN)
    first_touch(world, deal, at, by)


def on_reassign(world: World, at: int, seq: int, deal_id: int, extra: int) -> None:
    """The head of sales (or the manager) hands a deal over to a colleague."""
    deal = took_place(world, deal_id)
    if deal is None:
        return
    if not deal.is_deleted:
        head = world.static.admin.id
        by_head = world.rng.random() < b.REASSIGN_BY_HEAD or not world.is_active(
            deal.responsible_id
        )
        by = head if by_head else deal.responsible_id
        reassign(world, deal, at, by, world.colleague(deal.responsible_id).id)
    release(world, deal)


def on_delete(world: World, at: int, seq: int, deal_id: int, extra: int) -> None:
    """A closed deal is deleted (cleaning up junk, duplicates, mistakes)."""
    deal = took_place(world, deal_id)
    if deal is None:
        return
    if deal.is_deleted:
        release(world, deal)
        return
    by = deal.responsible_id if world.is_active(deal.responsible_id) else world.static.admin.id
    delete_deal(world, deal, at, by)


def on_restore(world: World, at: int, seq: int, deal_id: int, extra: int) -> None:
    """A deleted deal is restored from the bin by the head of sales."""
    deal = took_place(world, deal_id)
    if deal is None:
        return
    if deal.is_deleted:
        head = world.static.admin.id
        deal.is_deleted = False
        world.recorder.facts.append(DealRestored(world.next_fact_seq(), at, head, deal.id))
        mark(world, deal, at, head)
        if deal.is_open:
            if not world.is_active(deal.responsible_id):
                reassign(world, deal, at, head, world.colleague(deal.responsible_id).id)
            plan_touch(world, deal, at, head, 1, vocab.FOLLOW_UP_TEXTS[0])
    release(world, deal)


def on_reopen(world: World, at: int, seq: int, deal_id: int, extra: int) -> None:
    """A closed deal comes back: the client wants to change the order, or returns."""
    deal = took_place(world, deal_id)
    if deal is None:
        return
    if deal.is_deleted or deal.closed_at is None:
        release(world, deal)
        return
    head = world.static.admin.id
    if not world.is_active(deal.responsible_id):
        reassign(world, deal, at, head, world.colleague(deal.responsible_id).id)
    by = deal.responsible_id
    stages = world.static.pipelines_by_id[deal.pipeline_id].open_stages
    if deal.loss_reason_id is None:  # won: back to the last open stage
        target = stages[-1]
    else:
        target = stages[max(1, min(deal.last_open_index, len(stages) - 1))]
    move(world, deal, at, by, target)
    deal.reopened = True
    deal.unanswered = 0
    plan_touch(world, deal, at, by, 1 + int(world.rng.random() * 2), vocab.FOLLOW_UP_TEXTS[2])


def on_customer_contact(world: World, at: int, seq: int, contact_id: int, extra: int) -> None:
    """A known customer without an open deal calls or writes (or is called)."""
    contact = world.book.contacts.get(contact_id)
    if contact is None:
        return
    rng = world.rng
    manager = contact.responsible_id
    if not world.is_active(manager) or not world.calendar.works(manager, world.day):
        if not world.working:
            return
        manager = world.working[int(rng.random() * len(world.working))].id
    client = (f"{contact.first_name} {contact.last_name}", contact.email)
    if contact.email is not None and rng.random() < b.CONTACT_ACTIVITY_EMAIL:
        direction = Direction.INBOUND if rng.random() < 0.6 else Direction.OUTBOUND
        add_email(world, at, manager, None, contact.id, client, direction)
        return
    outbound = rng.random() < b.CONTACT_ACTIVITY_OUTBOUND
    direction = Direction.OUTBOUND if outbound else Direction.INBOUND
    status = call_status(world, direction)
    call = add_call(world, at, manager, None, contact.id, contact.phone, direction, status)
    if status is CallStatus.CONVERSATION and rng.random() < 0.2:
        add_note(world, at + call.duration_s + 60, manager, None, contact.id)


# Every this many open deals of a fired manager stay with the leaver (with their tasks) until
# the head of sales notices at the deal's next touch: a leaver who still holds open deals.
# Chosen by id; the heir is still drawn, so the random stream stays as it was.
LEFT_WITH_LEAVER_EVERY = 4


def on_dismissal(world: World, at: int, seq: int, manager_id: int, extra: int) -> None:
    """A manager is fired: open deals and pending tasks go to colleagues (most of them)."""
    head = world.static.admin.id
    world.recorder.facts.append(ManagerDeactivated(world.next_fact_seq(), at, head, manager_id))
    heirs: dict[int, int] = {}
    for deal in list(world.deals.values()):
        if deal.responsible_id == manager_id and deal.is_open:
            heir = world.colleague(manager_id).id
            if deal.id % LEFT_WITH_LEAVER_EVERY == 0:
                heirs[deal.id] = manager_id
                continue
            heirs[deal.id] = heir
            reassign(world, deal, at, head, heir)
    for task in world.tasks.values():
        if task.responsible_id == manager_id:
            heir = heirs.get(task.deal_id or 0) or world.colleague(manager_id).id
            if heir == manager_id:
                continue
            task.responsible_id = heir
            task.updated_at, task.updated_by = at, head
            world.recorder.tasks[task.id] = task


def schedule_dismissals(world: World) -> None:
    """Put today's dismissals first on the agenda."""
    for manager in world.static.managers:
        if manager.fired_day == world.day and manager.fired_at is not None:
            world.agenda.add(world.day, (manager.fired_at, 0, int(Kind.DISMISSAL), manager.id, 0))
