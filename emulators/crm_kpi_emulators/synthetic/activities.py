"""Creating activities (calls, e-mails, notes) and tasks, and completing tasks."""

from __future__ import annotations

import hashlib
import math

from . import behaviour as b
from . import vocabulary as vocab
from .calendar import MINUTE
from .history import TaskCompleted, TaskCreated
from .model import Call, CallStatus, Direction, Email, Note
from .randomness import pick_weighted
from .state import DealState, TaskState
from .world import World

_OUTBOUND_STATUSES = tuple(status for status, _ in b.OUTBOUND_CALL_MIX)
_OUTBOUND_CUMULATIVE = tuple(
    sum(weight for _, weight in b.OUTBOUND_CALL_MIX[: i + 1])
    for i in range(len(b.OUTBOUND_CALL_MIX))
)


def _uniq(seed: int, activity_id: int) -> str:
    digest = hashlib.blake2b(f"{seed}:call:{activity_id}".encode(), digest_size=16).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:]}"


# Every this many calls, a colleague of the deal's owner makes or takes the call (a holiday
# cover, a team lead helping out): the performer differs from the owner. Chosen by id, not by
# the random stream, so that the rest of the company stays as it was.
COVERED_CALL_EVERY = 13


def _performer(world: World, activity_id: int, owner_id: int) -> int:
    """Who makes call ``activity_id`` of a deal owned by ``owner_id``."""
    if activity_id % COVERED_CALL_EVERY:
        return owner_id
    team = world.static.managers_by_id[owner_id].team_id
    others = [m.id for m in world.active_by_team.get(team, ()) if m.id != owner_id]
    return others[activity_id % len(others)] if others else owner_id


def _next_activity_id(world: World) -> int:
    world.ids.activity += 1
    return world.ids.activity


def call_status(world: World, direction: Direction) -> CallStatus:
    """Draw the outcome of a call."""
    if direction is Direction.INBOUND:
        answered = world.rng.random() < b.INBOUND_ANSWERED_SHARE
        return CallStatus.CONVERSATION if answered else CallStatus.NO_ANSWER
    return pick_weighted(world.rng, _OUTBOUND_STATUSES, _OUTBOUND_CUMULATIVE)  # type: ignore[return-value]


def call_duration(world: World, status: CallStatus) -> int:
    """Seconds of talk: minutes for a conversation, seconds for short outcomes, else 0."""
    if status is CallStatus.CONVERSATION:
        low, high = b.CONVERSATION_SECONDS
        seconds = math.exp(math.log(b.CONVERSATION_MEDIAN_S) + 0.8 * world.rng.gauss(0, 1))
        return int(min(high, max(low, seconds)))
    if status in b.SHORT_CALL_SECONDS:
        low, high = b.SHORT_CALL_SECONDS[status]
        return low + int(world.rng.random() * (high - low))
    return 0


def add_call(
    world: World,
    at: int,
    manager_id: int,
    deal_id: int | None,
    contact_id: int | None,
    phone: str,
    direction: Direction,
    status: CallStatus,
) -> Call:
    """Record a call and return it (``manager_id`` is the owner; a colleague may cover)."""
    activity_id = _next_activity_id(world)
    owner_id, manager_id = manager_id, _performer(world, activity_id, manager_id)
    uniq = _uniq(world.config.seed, activity_id)
    duration = call_duration(world, status)
    recording = (
        f"https://records.{world.config.subdomain}-telephony.ru/{uniq}.mp3" if duration else None
    )
    call = Call(
        activity_id,
        at,
        manager_id,
        deal_id,
        contact_id,
        direction,
        status,
        duration,
        phone,
        uniq,
        recording,
        owner_id,
    )
    world.recorder.activities.append(call)
    return call


def add_note(
    world: World, at: int, manager_id: int, deal_id: int | None, contact_id: int | None
) -> Note:
    """Record a free-text note."""
    note = Note(
        _next_activity_id(world),
        at,
        manager_id,
        deal_id,
        contact_id,
        vocab.NOTE_TEXTS[int(world.rng.random() * len(vocab.NOTE_TEXTS))],
    )
    world.recorder.activities.append(note)
    return note


def add_email(
    world: World,
    at: int,
    manager_id: int,
    deal: DealState | None,
    contact_id: int | None,
    client: tuple[str, str],
    direction: Direction,
    subject: str | None = None,
) -> Email:
    """Record an e-mail between a manager and a client ``(name, address)``."""
    manager = world.static.managers_by_id[manager_id]
    rng = world.rng
    if subject is None:
        subjects = vocab.EMAIL_IN_SUBJECTS if direction is Direction.INBOUND else None
        subjects = subjects or vocab.EMAIL_OUT_SUBJECTS
        subject = subjects[int(rng.random() * len(subjects))]
    if deal is not None and deal.thread_id:
        thread_id = deal.thread_id
    else:
        world.ids.thread += 1
        thread_id = world.ids.thread
        if deal is not None:
            deal.thread_id = thread_id
    ours = (manager.name, manager.email)
    sender, receiver = (client, ours) if direction is Direction.INBOUND else (ours, client)
    email = Email(
        _next_activity_id(world),
        at,
        manager_id,
        None if deal is None else deal.id,
        contact_id,
        direction,
        subject,
        vocab.EMAIL_SUMMARIES[int(rng.random() * len(vocab.EMAIL_SUMMARIES))],
        sender[0],
        sender[1],
        receiver[0],
        receiver[1],
        thread_id,
    )
    world.recorder.activities.append(email)
    return email


def create_task(
    world: World,
    at: int,
    by: int,
    type_id: int,
    text: str,
    deal: DealState,
    due_at: int,
    duration_s: int = 0,
    will_complete: bool = True,
) -> TaskState:
    """Create a task on a deal. Tasks that will be completed stay in memory until then."""
    world.ids.task += 1
    task = TaskState(
        id=world.ids.task,
        type_id=type_id,
        text=text,
        responsible_id=deal.responsible_id,
        created_by=by,
        deal_id=deal.id,
        contact_id=None,
        created_at=at,
        updated_at=at,
        updated_by=by,
        due_at=due_at,
        duration_s=duration_s,
    )
    world.recorder.facts.append(TaskCreated(world.next_fact_seq(), at, by, task.id))
    if will_complete:
        world.tasks[task.id] = task
        world.recorder.tasks[task.id] = task
    else:
        world.recorder.tasks[task.id] = task.snapshot()
    return task


def complete_task(world: World, task_id: int, at: int, by: int, result: str | None) -> None:
    """Mark a task done by ``by`` (who also becomes its responsible user)."""
    task = world.tasks.pop(task_id, None)
    if task is None:
        return
    task.is_completed = True
    task.completed_at = at
    task.result_text = result
    task.responsible_id = by
    task.updated_at = at
    task.updated_by = by
    world.recorder.tasks[task.id] = task
    world.recorder.facts.append(TaskCompleted(world.next_fact_seq(), at, by, task.id))


def follow_up_due(world: World, touch_at: int) -> int:
    """The deadline of a follow-up planned for ``touch_at``: a little later the same day."""
    return touch_at + int((10 + world.rng.random() * 110) * MINUTE)
