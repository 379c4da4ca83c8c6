"""What the amoCRM source loads: one entry per API v4 list endpoint, in one place."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DEFAULT_BASE_URL = "https://{subdomain}.amocrm.ru"
API_PREFIX = "/api/v4"
PAGE_LIMIT = 250
EVENTS_PAGE_LIMIT = 100  # the RU docs cap events at 100 per page
# Re-read this many seconds before the last cursor: records committed late or updated while a
# previous run paged through them are fetched again (merge on the primary key dedupes them).
CURSOR_OVERLAP_SECONDS = 600

PRIMARY_KEY = ("account_id", "id")


@dataclass(frozen=True)
class Endpoint:
    """One paginated list endpoint and how it lands in the warehouse."""

    table: str
    path: str
    data_key: str
    cursor: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    limit: int = PAGE_LIMIT
    primary_key: tuple[str, ...] = PRIMARY_KEY
    columns: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def cursor_filter(self) -> str | None:
        """The query parameter that restricts the list to rows changed since the cursor."""
        return f"filter[{self.cursor}][from]" if self.cursor else None


def _json(*names: str) -> dict[str, dict[str, Any]]:
    return {name: {"data_type": "json", "nullable": True} for name in names}


def _text(*names: str) -> dict[str, dict[str, Any]]:
    return {name: {"data_type": "text", "nullable": True} for name in names}


def _bigint(*names: str) -> dict[str, dict[str, Any]]:
    return {name: {"data_type": "bigint", "nullable": True} for name in names}


USERS = Endpoint(
    table="users",
    path="users",
    data_key="users",
    params={"with": "role,group"},
    columns=_json("rights", "_embedded"),
)
PIPELINES = Endpoint(
    table="pipelines",
    path="leads/pipelines",
    data_key="pipelines",
    columns=_json("_embedded"),
)
LEADS = Endpoint(
    table="leads",
    path="leads",
    data_key="leads",
    cursor="updated_at",
    params={"with": "contacts,loss_reason", "order[updated_at]": "asc"},
    columns={
        **_bigint(
            "closed_at", "loss_reason_id", "closest_task_at", "score", "source_id", "labor_cost"
        ),
        **_json("custom_fields_values", "_embedded"),
    },
)
CONTACTS = Endpoint(
    table="contacts",
    path="contacts",
    data_key="contacts",
    cursor="updated_at",
    params={"order[updated_at]": "asc"},
    columns={**_bigint("closest_task_at"), **_json("custom_fields_values", "_embedded")},
)
TASKS = Endpoint(
    table="tasks",
    path="tasks",
    data_key="tasks",
    cursor="updated_at",
    columns={**_bigint("entity_id"), **_json("result")},
)
# The event types the models read. Call and task-added events repeat what call notes and tasks
# already say, and are most of an account's events, so they are not loaded by default.
EVENT_TYPES = (
    "lead_added",
    "lead_deleted",
    "lead_restored",
    "lead_status_changed",
    "entity_responsible_changed",
    "contact_deleted",
    "contact_restored",
    "task_completed",
    "task_deadline_changed",
    "incoming_chat_message",
    "outgoing_chat_message",
)
EVENTS = Endpoint(
    table="events",
    path="events",
    data_key="events",
    cursor="created_at",
    params={"filter[type]": ",".join(EVENT_TYPES)},
    limit=EVENTS_PAGE_LIMIT,
    columns={"id": {"data_type": "text"}, **_json("value_after", "value_before", "_embedded")},
)
LEAD_NOTES = Endpoint(
    table="lead_notes",
    path="leads/notes",
    data_key="notes",
    cursor="updated_at",
    params={"order[updated_at]": "asc"},
    columns=_json("params"),
)
CONTACT_NOTES = Endpoint(
    table="contact_notes",
    path="contacts/notes",
    data_key="notes",
    cursor="updated_at",
    params={"order[updated_at]": "asc"},
    columns=_json("params"),
)

LIST_ENDPOINTS: tuple[Endpoint, ...] = (
    USERS,
    PIPELINES,
    LEADS,
    CONTACTS,
    TASKS,
    EVENTS,
    LEAD_NOTES,
    CONTACT_NOTES,
)

# Tables derived from embedded lists, so that SQL never has to unnest JSON arrays.
ACCOUNT_TABLE = "account"
USERS_GROUPS_TABLE = "users_groups"
TASK_TYPES_TABLE = "task_types"
PIPELINE_STATUSES_TABLE = "pipeline_statuses"
# Columns that are often null in every row: declared, so that dlt still creates them.
USERS_GROUPS_COLUMNS = _text("uuid")
TASK_TYPES_COLUMNS = {**_text("color", "code"), **_bigint("icon_id")}
