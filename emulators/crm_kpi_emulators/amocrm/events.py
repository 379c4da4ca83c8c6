"""amoCRM events (``GET /api/v4/events``) derived from the company's history and activities."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from crm_kpi_emulators.synthetic import (
    Call,
    DayChanges,
    DealCreated,
    DealDeleted,
    DealResponsibleChanged,
    DealRestored,
    DealStageChanged,
    Direction,
    Email,
    Note,
    TaskCompleted,
    TaskCreated,
)

from . import identifiers as ids
from .payloads import Renderer, note_entity

EVENT_TYPES = (
    ("lead_added", 1, "Новая сделка"),
    ("lead_deleted", 7, "Сделка удалена"),
    ("lead_restored", 8, "Сделка восстановлена"),
    ("lead_status_changed", 14, "Изменение этапа продажи"),
    ("contact_added", 2, "Новый контакт"),
    ("task_added", 25, "Новая задача"),
    ("task_completed", 28, "Завершение задачи"),
    ("incoming_call", 10, "Входящий звонок"),
    ("outgoing_call", 11, "Исходящий звонок"),
    ("common_note_added", 44, "Новое примечание"),
    ("entity_responsible_changed", 19, "Ответственный изменен"),
)


@dataclass(frozen=True, slots=True)
class EventRow:
    """An event plus the columns the store filters on."""

    id: str
    type: str
    entity_type: str
    entity_id: int
    created_at: int
    created_by: int
    after_pipeline_id: int | None
    after_status_id: int | None
    after_responsible_id: int | None
    payload: dict[str, Any]


def day_events(day: DayChanges, renderer: Renderer) -> list[EventRow]:
    """Every event of a day, ordered by time."""
    rows = list(_from_history(day, renderer)) + list(_from_activities(day, renderer))
    rows.sort(key=lambda row: (row.created_at, row.id))
    return rows


def _row(
    renderer: Renderer,
    key: str,
    event_type: str,
    entity_type: str,
    entity_id: int,
    at: int,
    by: int,
    after: list[Any],
    before: list[Any],
    status: tuple[int, int] | None = None,
    responsible: int | None = None,
) -> EventRow:
    event_id = ids.event_id(at, f"{renderer.account_id}:{key}")
    payload = {
        "id": event_id,
        "type": event_type,
        "entity_id": entity_id,
        "entity_type": entity_type,
        "created_by": by,
        "created_at": at,
        "value_after": after,
        "value_before": before,
        "account_id": renderer.account_id,
        "_embedded": {"entity": {"id": entity_id}},
    }
    pipeline_id, status_id = status if status else (None, None)
    return EventRow(
        event_id,
        event_type,
        entity_type,
        entity_id,
        at,
        by,
        pipeline_id,
        status_id,
        responsible,
        payload,
    )


def lead_bin_event(renderer: Renderer, lead_id: int, deleted: bool, at: int, by: int) -> EventRow:
    """``lead_deleted`` / ``lead_restored`` of an admin action outside the simulation."""
    kind = "lead_deleted" if deleted else "lead_restored"
    return _row(renderer, f"admin:{kind}:{lead_id}:{at}", kind, "lead", lead_id, at, by, [], [])


def call_event(
    renderer: Renderer, note_id: int, inbound: bool, contact_id: int, at: int, by: int
) -> EventRow:
    """``incoming_call`` / ``outgoing_call`` of a call posted to ``POST /api/v4/calls``."""
    kind = "incoming_call" if inbound else "outgoing_call"
    note = [{"note": {"id": note_id}}]
    return _row(renderer, f"posted_call:{note_id}", kind, "contact", contact_id, at, by, note, [])


def _from_history(day: DayChanges, r: Renderer) -> Iterator[EventRow]:
    for fact in day.history:
        key = f"fact:{fact.seq}"
        if isinstance(fact, DealCreated):
            note = [{"note": {"id": ids.SYSTEM_NOTE_BASE + fact.seq}}]
            yield _row(r, key, "lead_added", "lead", fact.deal_id, fact.at, fact.by, note, [])
        elif isinstance(fact, DealStageChanged):
            after_status = r.amo_status(fact.to_stage_id)
            after = [{"lead_status": {"id": after_status, "pipeline_id": fact.to_pipeline_id}}]
            before_status = r.amo_status(fact.from_stage_id)
            before = [{"lead_status": {"id": before_status, "pipeline_id": fact.from_pipeline_id}}]
            yield _row(
                r,
                key,
                "lead_status_changed",
                "lead",
                fact.deal_id,
                fact.at,
                fact.by,
                after,
                before,
                status=(fact.to_pipeline_id, after_status),
            )
        elif isinstance(fact, DealResponsibleChanged):
            yield _row(
                r,
                key,
                "entity_responsible_changed",
                "lead",
                fact.deal_id,
                fact.at,
                fact.by,
                [{"responsible_user": {"id": fact.to_user_id}}],
                [{"responsible_user": {"id": fact.from_user_id}}],
                responsible=fact.to_user_id,
            )
        elif isinstance(fact, DealDeleted | DealRestored):
            kind = "lead_deleted" if isinstance(fact, DealDeleted) else "lead_restored"
            yield _row(r, key, kind, "lead", fact.deal_id, fact.at, fact.by, [], [])
        elif isinstance(fact, TaskCreated | TaskCompleted):
            kind = "task_added" if isinstance(fact, TaskCreated) else "task_completed"
            yield _row(r, key, kind, "task", fact.task_id, fact.at, fact.by, [], [])
        # ManagerDeactivated has no amoCRM event: the user's rights.is_active flips.


def _from_activities(day: DayChanges, r: Renderer) -> Iterator[EventRow]:
    for activity in day.activities:
        if isinstance(activity, Email):
            continue  # mail events are not part of this emulator (their shape is unconfirmed)
        entity_plural, entity_id = note_entity(activity)
        entity = "lead" if entity_plural == "leads" else "contact"
        note = [{"note": {"id": activity.id}}]
        if isinstance(activity, Call):
            inbound = activity.direction is Direction.INBOUND
            kind = "incoming_call" if inbound else "outgoing_call"
        elif isinstance(activity, Note):
            kind = "common_note_added"
        else:  # pragma: no cover - Activity is a closed union
            continue
        key = f"activity:{activity.id}"
        yield _row(r, key, kind, entity, entity_id, activity.at, activity.manager_id, note, [])
