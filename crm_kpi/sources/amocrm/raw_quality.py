"""Expectations on the raw amoCRM tables as dlt loaded them (warnings, never blocking).

The plug-in's ``raw_suites`` (``crm_kpi.sources.registry``); run by ``crm_kpi.quality``.

Raw rows are keyed by ``(account_id, id)``: several amoCRM accounts share one warehouse.
Timestamps are Unix seconds; "sane" means after 2000-01-01 and no later than tomorrow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crm_kpi.quality.suite import Suite, grain, one_of, required, sane_timestamps

if TYPE_CHECKING:
    from great_expectations.expectations.expectation import Expectation

SCHEMA = "raw_amocrm"
KEY = ("account_id", "id")

# Enums the staging models decode; a new value is worth a look before it skews a KPI.
NOTE_TYPES = (
    "common",
    "call_in",
    "call_out",
    "service_message",
    "message_cashier",
    "geolocation",
    "sms_in",
    "sms_out",
    "extended_service_message",
    "attachment",
    "amomail_message",
)
EVENT_TYPES = (
    "lead_added",
    "lead_deleted",
    "lead_restored",
    "lead_status_changed",
    "entity_responsible_changed",
    "task_completed",
    "task_added",
    "task_deleted",
    "incoming_call",
    "outgoing_call",
    "incoming_chat_message",
    "outgoing_chat_message",
    "entity_direct_message",
    "contact_added",
    "contact_deleted",
    "contact_restored",
)
ENTITY_TYPES = ("leads", "contacts", "companies", "customers", "lead", "contact", "company", "task")
STATUS_TYPES = (0, 1)  # 1: the "unsorted" stage


def _table(
    name: str,
    fields: tuple[str, ...],
    timestamps: tuple[str, ...] = (),
    enums: dict[str, tuple[object, ...]] | None = None,
    key: tuple[str, ...] = KEY,
) -> Suite:
    enums = enums or {}

    def expectations() -> list[Expectation]:
        return [
            *grain(key),
            *required(fields),
            *sane_timestamps(timestamps),
            *(one_of(column, values) for column, values in enums.items()),
        ]

    columns = tuple(dict.fromkeys((*key, *fields, *timestamps, *enums)))
    return Suite(
        table=f"{SCHEMA}.{name}",
        expectations=expectations,
        columns=columns,
        description="ids not null and unique, required fields, sane timestamps, known enums",
        reads_new_loads=True,
        account_column="account_id",
    )


SUITES = [
    _table(
        "leads",
        ("pipeline_id", "status_id", "responsible_user_id", "created_at", "updated_at"),
        timestamps=("created_at", "updated_at", "closed_at"),
    ),
    _table(
        "contacts", ("responsible_user_id", "created_at"), timestamps=("created_at", "updated_at")
    ),
    _table(
        "tasks",
        ("entity_type", "responsible_user_id", "task_type_id", "created_at", "complete_till"),
        timestamps=("created_at", "updated_at"),
        enums={"entity_type": ENTITY_TYPES},
    ),
    _table(
        "events",
        ("type", "entity_id", "entity_type", "created_at"),
        timestamps=("created_at",),
        enums={"type": EVENT_TYPES, "entity_type": ENTITY_TYPES},
    ),
    _table(
        "lead_notes",
        ("entity_id", "note_type", "created_at"),
        timestamps=("created_at", "updated_at"),
        enums={"note_type": NOTE_TYPES},
    ),
    _table(
        "contact_notes",
        ("entity_id", "note_type", "created_at"),
        timestamps=("created_at", "updated_at"),
        enums={"note_type": NOTE_TYPES},
    ),
    _table("users", ("name",)),
    _table("users_groups", ("name",)),
    _table("pipelines", ("name", "is_main")),
    _table(
        "pipeline_statuses",
        ("name", "sort", "type"),
        enums={"type": STATUS_TYPES},
        key=("account_id", "pipeline_id", "id"),
    ),
    _table("task_types", ("name",)),
]
