"""The emulated portal's records, kept in memory and rendered once per change.

Deleting a deal (the synthetic company's bin, or ``delete_deal``) hides it together with its
stage history, activities and timeline comments: Bitrix24 has no soft-delete flag in lists.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from crm_kpi_emulators.synthetic import (
    Call,
    DayChanges,
    DealCreated,
    DealStageChanged,
    Email,
    Note,
    StageKind,
)

from .records import Renderer

Json = dict[str, Any]
TABLES = (
    "deal", "lead", "contact", "company", "activity", "task", "comment", "call",
    "deal_history", "lead_history",
)  # fmt: skip


class PortalStore:
    """Rendered records per table, keyed by integer id, plus the deal each one belongs to."""

    def __init__(self, renderer: Renderer, stagehistory_typed: bool = True) -> None:
        self.renderer = renderer
        self.typed_history = stagehistory_typed
        self.lock = threading.RLock()
        self.rows: dict[str, dict[int, Json]] = {table: {} for table in TABLES}
        self.owner_deal: dict[str, dict[int, int]] = {table: {} for table in TABLES}
        self.deleted_deals: set[int] = set()
        self.purged_deals: set[int] = set()
        self._visible: dict[str, tuple[list[Json], list[int]]] = {}
        self._comments_by_owner: dict[tuple[str, str], list[Json]] | None = None
        self._history_seq = {"deal_history": 0, "lead_history": 0}
        self.version = 0  # moves on every change (what caches of rendered answers check)

    # ---- writing ----------------------------------------------------------------------------

    def apply(self, days: Iterable[DayChanges]) -> int:
        """Apply simulated days; returns how many were applied."""
        count = 0
        with self.lock:
            for day in days:
                self._apply_day(day)
                count += 1
            self.version += 1
            self._visible.clear()
            self._comments_by_owner = None
        return count

    def _put(self, table: str, row_id: int, row: Json, deal_id: int | None = None) -> None:
        self.rows[table][row_id] = row
        if deal_id is not None:
            self.owner_deal[table][row_id] = deal_id

    def _apply_day(self, day: DayChanges) -> None:
        r = self.renderer
        for deal in day.deals:
            if deal.id in self.purged_deals:
                continue
            if deal.is_deleted:
                self.deleted_deals.add(deal.id)
            else:
                self.deleted_deals.discard(deal.id)
            new = deal.id not in self.rows["deal"]
            self._put("deal", deal.id, r.deal(deal), deal.id)
            if new and deal.lead_source in r.web_sources:
                self._add_leads(deal)
        for contact in day.contacts:
            self._put("contact", contact.id, r.contact(contact))
        for company in day.companies:
            self._put("company", company.id, r.company(company))
        for task in day.tasks:
            if r.is_meeting(task):
                row = r.meeting(task)
                self._put("activity", int(row["ID"]), row, task.deal_id)
            else:
                self._put("task", task.id, r.task(task))
        for item in day.activities:
            if isinstance(item, Call):
                if r.has_activity(item):
                    self._put("activity", item.id, r.activity(item), item.deal_id)
                if r.has_telephony(item):
                    self._put("call", item.id, r.call_record(item), item.deal_id)
            elif isinstance(item, Email):
                self._put("activity", item.id, r.activity(item), item.deal_id)
            elif isinstance(item, Note):
                self._put("comment", item.id, r.comment(item), item.deal_id)
        for fact in day.history:
            if isinstance(fact, DealCreated):
                self._history(fact.deal_id, fact.at, 1, fact.stage_id)
            elif isinstance(fact, DealStageChanged):
                stage = r.static.stages_by_id[fact.to_stage_id]
                if fact.to_pipeline_id != fact.from_pipeline_id:
                    type_id = 5
                elif stage.kind is StageKind.OPEN:
                    type_id = 2
                else:
                    type_id = 3
                self._history(fact.deal_id, fact.at, type_id, fact.to_stage_id)

    def _next_id(self, table: str) -> int:
        self._history_seq[table] += 1
        return self._history_seq[table]

    def _typed(self, value: int) -> int | str:
        return value if self.typed_history else str(value)

    def _history(self, deal_id: int, at: int, type_id: int, stage_id: int) -> None:
        r = self.renderer
        stage = r.static.stages_by_id[stage_id]
        row_id = self._next_id("deal_history")
        row = {
            "ID": self._typed(row_id),
            "TYPE_ID": self._typed(type_id),
            "OWNER_ID": self._typed(deal_id),
            "CREATED_TIME": r.time(at),
            "CATEGORY_ID": self._typed(r.category_of[stage.pipeline_id]),
            "STAGE_SEMANTIC_ID": r.semantic(stage.kind),
            "STAGE_ID": r.stage_code[stage_id],
        }
        self._put("deal_history", row_id, row, deal_id)

    def _add_leads(self, deal: Any) -> None:
        r = self.renderer
        variants = [False] + ([True] if deal.id % 3 == 0 else [])
        for junk in variants:
            lead = r.lead(deal, junk)
            lead_id = int(lead["ID"])
            self._put("lead", lead_id, lead)
            created = deal.created_at - (1800 if junk else 600)
            for type_id, status, semantic, at in (
                (1, "NEW", "P", created),
                (3, lead["STATUS_ID"], lead["STATUS_SEMANTIC_ID"], deal.created_at),
            ):
                row_id = self._next_id("lead_history")
                self._put(
                    "lead_history",
                    row_id,
                    {
                        "ID": self._typed(row_id),
                        "TYPE_ID": self._typed(type_id),
                        "OWNER_ID": self._typed(lead_id),
                        "CREATED_TIME": r.time(at),
                        "STATUS_ID": status,
                        "STATUS_SEMANTIC_ID": semantic,
                    },
                )

    def delete_deal(self, deal_id: int) -> None:
        """Delete a deal for good (``crm.deal.delete``): it and its records vanish."""
        with self.lock:
            self.purged_deals.add(deal_id)
            self.deleted_deals.add(deal_id)
            self.version += 1
            self._visible.clear()
            self._comments_by_owner = None

    # ---- reading ----------------------------------------------------------------------------

    def visible(self, table: str) -> list[Json]:
        """The records a list method sees, in ascending id order (cached until a change)."""
        return self.visible_with_ids(table)[0]

    def visible_with_ids(self, table: str) -> tuple[list[Json], list[int]]:
        """``visible(table)`` and the matching integer ids (for keyset bisection)."""
        with self.lock:
            cached = self._visible.get(table)
            if cached is None:
                rows, owners, gone = self.rows[table], self.owner_deal[table], self.deleted_deals
                ids = [i for i in sorted(rows) if owners.get(i) not in gone]
                cached = ([rows[i] for i in ids], ids)
                self._visible[table] = cached
            return cached

    def comments_of(self, entity_type: str, entity_id: str) -> list[Json]:
        """The visible comments of one entity in id order: what an index on the owner gives
        (``crm.timeline.comment.list`` always names one entity)."""
        with self.lock:
            if self._comments_by_owner is None:
                index: dict[tuple[str, str], list[Json]] = {}
                for row in self.visible("comment"):
                    index.setdefault((row["ENTITY_TYPE"], row["ENTITY_ID"]), []).append(row)
                self._comments_by_owner = index
            return self._comments_by_owner.get((entity_type, entity_id), [])

    def counts(self) -> dict[str, int]:
        """Visible records per table (for logs)."""
        return {table: len(self.visible(table)) for table in TABLES}
