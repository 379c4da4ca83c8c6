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
DEFAULT_REQUESTS_PER_SECOND = 6.0  # amoCRM allows 7

PRIMARY_KEY = ("account_id", "id")


# Essential or optional (contract 3). An optional endpoint that fails with a PermanentApiError
# (e.g. 404 on /leads/tags) is skipped with one "optional endpoint skipped:" warning and the
# rest loads: these dictionaries only decorate. Every other endpoint is essential (account,
# users, pipelines, leads, contacts, companies, custom fields, tasks, events, notes, the bin):
# its failure fails the load.
OPTIONAL_PATHS = frozenset(
    {"leads/tags", "contacts/tags", "companies/tags", "leads/loss_reasons", "sources"}
)


def is_optional(path: str) -> bool:
    """Whether the endpoint at ``path`` (relative to ``/api/v4/``) is optional."""
    return path.strip("/") in OPTIONAL_PATHS


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
    # Entities with custom fields: their values also land, in long form, in CUSTOM_FIELD_VALUES.
    custom_fields_entity: str | None = None
    # Extra column set on every row (e.g. the entity type of a per-entity endpoint).
    constant: dict[str, Any] = field(default_factory=dict)
    # Mutable lists are read by keyset on ``cursor``; append-only ones (events) by pages.
    keyset: bool = True

    @property
    def optional(self) -> bool:
        """Whether a permanent failure of this endpoint is skipped (see ``OPTIONAL_PATHS``)."""
        return is_optional(self.path)

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
    params={"with": "contacts,loss_reason,source_id"},
    custom_fields_entity="leads",
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
    custom_fields_entity="contacts",
    columns={**_bigint("closest_task_at"), **_json("custom_fields_values", "_embedded")},
)
COMPANIES = Endpoint(
    table="companies",
    path="companies",
    data_key="companies",
    cursor="updated_at",
    custom_fields_entity="companies",
    columns={**_bigint("closest_task_at"), **_json("custom_fields_values", "_embedded")},
)
# Tasks cannot be ordered by updated_at; ordered by id, the filtered list does not shift
# when a task changes during the scan, so plain page numbers are safe.
TASKS = Endpoint(
    table="tasks",
    path="tasks",
    data_key="tasks",
    cursor="updated_at",
    params={"order[id]": "asc"},
    keyset=False,
    columns={**_bigint("entity_id"), **_json("result")},
)
# The event types the KPIs need (kpi_catalogue.md): lifecycle, stage and responsible changes,
# deletions and restorations, calls, mail and chat messages, and task milestones.
EVENT_TYPES = (
    "lead_added",
    "lead_deleted",
    "lead_restored",
    "lead_status_changed",
    "entity_responsible_changed",
    "contact_added",
    "contact_deleted",
    "contact_restored",
    "company_added",
    "company_deleted",
    "company_restored",
    "incoming_call",
    "outgoing_call",
    "incoming_mail",
    "outgoing_mail",
    "incoming_chat_message",
    "outgoing_chat_message",
    "task_added",
    "task_completed",
    "task_deadline_changed",
)
EVENTS = Endpoint(
    table="events",
    path="events",
    data_key="events",
    cursor="created_at",
    params={"filter[type]": ",".join(EVENT_TYPES)},
    limit=EVENTS_PAGE_LIMIT,
    keyset=False,
    columns={"id": {"data_type": "text"}, **_json("value_after", "value_before", "_embedded")},
)
# Note types read: calls, mail, plain notes, SMS and service messages (kpi_catalogue.md).
NOTE_TYPES = (
    "call_in",
    "call_out",
    "amomail_message",
    "common",
    "sms_in",
    "sms_out",
    "service_message",
)
# An array, as the docs and the official SDK send it (``NotesFilter::buildFilter``):
# filter[note_type][]=call_in&filter[note_type][]=call_out&... (requests repeats the key).
_NOTES_PARAMS = {"filter[note_type][]": list(NOTE_TYPES)}
LEAD_NOTES = Endpoint(
    table="lead_notes",
    path="leads/notes",
    data_key="notes",
    cursor="updated_at",
    params=_NOTES_PARAMS,
    columns=_json("params"),
)
CONTACT_NOTES = Endpoint(
    table="contact_notes",
    path="contacts/notes",
    data_key="notes",
    cursor="updated_at",
    params=_NOTES_PARAMS,
    columns=_json("params"),
)
COMPANY_NOTES = Endpoint(
    table="company_notes",
    path="companies/notes",
    data_key="notes",
    cursor="updated_at",
    params=_NOTES_PARAMS,
    columns=_json("params"),
)
LOSS_REASONS = Endpoint(table="loss_reasons", path="leads/loss_reasons", data_key="loss_reasons")
SOURCES = Endpoint(
    table="sources",
    path="sources",
    data_key="sources",
    columns={**_text("external_id", "origin_code"), **_bigint("pipeline_id"), **_json("services")},
)

LIST_ENDPOINTS: tuple[Endpoint, ...] = (
    USERS,
    PIPELINES,
    LOSS_REASONS,
    SOURCES,
    LEADS,
    CONTACTS,
    COMPANIES,
    TASKS,
    EVENTS,
    LEAD_NOTES,
    CONTACT_NOTES,
    COMPANY_NOTES,
)
# Entities with custom fields, tags and a bin of deleted records (``with=only_deleted``).
CUSTOM_FIELD_ENTITIES = ("leads", "contacts", "companies")

# Tables derived from embedded lists, so that SQL never has to unnest JSON arrays.
ACCOUNT_TABLE = "account"
CUSTOM_FIELDS_TABLE = "custom_fields"
CUSTOM_FIELD_ENUMS_TABLE = "custom_field_enums"
CUSTOM_FIELD_VALUES_TABLE = "custom_field_values"
TAGS_TABLE = "tags"
DELETED_ENTITIES_TABLE = "deleted_entities"
CUSTOM_FIELD_VALUES_KEY = ("account_id", "entity_type", "entity_id", "field_id", "value_index")
CUSTOM_FIELD_VALUES_MERGE_KEY = ("account_id", "entity_type", "entity_id")
USERS_GROUPS_TABLE = "users_groups"
TASK_TYPES_TABLE = "task_types"
PIPELINE_STATUSES_TABLE = "pipeline_statuses"
# Columns that are often null in every row: declared, so that dlt still creates them.
USERS_GROUPS_COLUMNS = _text("uuid")
TASK_TYPES_COLUMNS = {**_text("color", "code"), **_bigint("icon_id")}
