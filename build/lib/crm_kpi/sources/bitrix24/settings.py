"""What the Bitrix24 source loads: one entry per REST method, in one place."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DEFAULT_OAUTH_SERVER = "https://oauth.bitrix.info"
PAGE_SIZE = 50  # fixed by Bitrix24; `limit` is ignored
BATCH_SIZE = 50  # commands per `batch` (the maximum)
# Re-read this much before the last cursor: records committed late, or changed while a previous
# run paged through them, are fetched again (merge on the primary key dedupes them).
CURSOR_OVERLAP_SECONDS = 600
PRIMARY_KEY = ("portal", "ID")

# Essential or optional (contract 3). An optional method that fails with a PermanentApiError
# (e.g. 403 insufficient_scope: a webhook without the `department` scope) is skipped with one
# "optional endpoint skipped:" warning and the rest loads. Every other method is essential
# (deals, leads, contacts, companies, activities, comments, stage history, tasks, calls, users,
# statuses, categories, currencies, the deletion scan): its failure fails the load.
OPTIONAL_METHODS = frozenset({"department.get"})


def is_optional(method: str) -> bool:
    """Whether the REST method is optional."""
    return method.lower() in OPTIONAL_METHODS


@dataclass(frozen=True)
class Method:
    """One list method and how it lands in ``raw_bitrix24``.

    ``cursor`` is the record field holding the modification time; ``cursor_filter`` the
    filter key that restricts the list to records changed since then. ``id_field`` is the
    keyset column (``ID``; ``id`` for the camelCase tasks). ``wrap`` is the key the rows sit
    under in ``result`` (``items``, ``tasks``) when it is not a plain list.
    """

    table: str
    method: str
    cursor: str | None = None
    cursor_filter: str | None = None
    id_field: str = "ID"
    wrap: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    select: tuple[str, ...] = ()
    string_order: bool = False  # SORT/ORDER strings instead of order{} (voximplant)
    reconcile: str | None = None  # entity name for hard-delete reconciliation

    @property
    def primary_key(self) -> tuple[str, ...]:
        """Merge key of the table."""
        return ("portal", self.id_field)


TASK_FIELDS = (
    "ID", "TITLE", "DESCRIPTION", "STATUS", "SUB_STATUS", "PRIORITY", "RESPONSIBLE_ID",
    "CREATED_BY", "CREATED_DATE", "CHANGED_BY", "CHANGED_DATE", "CLOSED_BY", "CLOSED_DATE",
    "DEADLINE", "UF_CRM_TASK", "GROUP_ID", "PARENT_ID",
)  # fmt: skip

KEYSET_METHODS = (
    Method("deals", "crm.deal.list", "DATE_MODIFY", ">=DATE_MODIFY", reconcile="deal"),
    Method("leads", "crm.lead.list", "DATE_MODIFY", ">=DATE_MODIFY", reconcile="lead"),
    Method("contacts", "crm.contact.list", "DATE_MODIFY", ">=DATE_MODIFY", reconcile="contact",
           select=("*", "UF_*", "PHONE", "EMAIL")),
    Method("companies", "crm.company.list", "DATE_MODIFY", ">=DATE_MODIFY", reconcile="company"),
    Method("activities", "crm.activity.list", "LAST_UPDATED", ">=LAST_UPDATED"),
    Method("deal_stage_history", "crm.stagehistory.list", "CREATED_TIME", ">=CREATED_TIME",
           wrap="items", params={"entityTypeId": 2}),
    Method("lead_stage_history", "crm.stagehistory.list", "CREATED_TIME", ">=CREATED_TIME",
           wrap="items", params={"entityTypeId": 1}),
    Method("tasks", "tasks.task.list", "changedDate", ">=CHANGED_DATE", id_field="id",
           wrap="tasks", select=TASK_FIELDS),
    Method("calls", "voximplant.statistic.get", "CALL_START_DATE", ">=CALL_START_DATE",
           string_order=True),
)  # fmt: skip

RECONCILED = {m.reconcile: m for m in KEYSET_METHODS if m.reconcile}

# crm.timeline.comment.list requires filter[ENTITY_TYPE] and filter[ENTITY_ID]
# (apidocs.bitrix24.com/api-reference/crm/timeline/comments/crm-timeline-comment-list.html;
# dev.1c-bitrix.ru/rest_help/crm/timeline/comment/crm_timeline_comment_list.php): there is no
# portal-wide list. Comments are read per entity, one `batch` of 50 entities at a time, for the
# deals and contacts changed since the resource's cursor (found by a cheap ID scan). A forum
# thread reports the CREATED filter is ignored inside an entity, so none is sent (merge on the
# key dedupes). A comment added to an otherwise unchanged deal waits for the deal's next change
# (whether a comment moves DATE_MODIFY is undocumented).
COMMENTS = Method("timeline_comments", "crm.timeline.comment.list", "CREATED")
PORTAL_SETTINGS_TABLE = "portal_settings"
# Where the API's own offset is read (the latest record's timestamp string, before dlt
# converts it): deals first, else activities.
OFFSET_SOURCES = (("crm.deal.list", "DATE_CREATE"), ("crm.activity.list", "CREATED"))
COMMENT_PARENTS = {"deals": "deal", "contacts": "contact"}  # parent table -> ENTITY_TYPE

# Fields that are often empty on a whole portal: typed up front so that dlt creates them (as
# text) instead of warning that it could not infer their type. Staging reads them as text.
# (No timestamps here: dlt types those itself from their ISO values.)
NULLABLE_TEXT = {
    "deals": ("COMMENTS", "PROBABILITY", "SOURCE_DESCRIPTION", "UTM_MEDIUM", "UTM_CAMPAIGN",
              "LEAD_ID", "CONTACT_ID", "COMPANY_ID"),
    "leads": ("COMPANY_ID", "CONTACT_ID", "LAST_NAME"),
    "contacts": ("SECOND_NAME", "SOURCE_ID", "COMPANY_ID"),
    "activities": ("PROVIDER_GROUP_ID", "ORIGIN_ID"),
    "calls": ("CALL_VOTE", "EXTERNAL_CALL_ID", "CALL_RECORD_URL", "CRM_ENTITY_TYPE",
              "CRM_ENTITY_ID", "CRM_ACTIVITY_ID"),
}  # fmt: skip
