"""The emulator's data: SQLite tables with indexed filter columns and the JSON payloads.

Applying a simulated day upserts the entities that changed and appends notes and events.
One connection is shared by the server threads behind a lock (reads are fast; writes are
one transaction per applied day).
"""

from __future__ import annotations

import json
import random
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from crm_kpi_emulators.synthetic import DayChanges

from .events import EventRow, call_event, day_events, lead_bin_event
from .page_cache import OrderedIds
from .payloads import Renderer

POSTED_NOTE_BASE = 990_000_000  # + sequence: notes of calls posted to POST /api/v4/calls

_SCHEMA = """
create table leads (
    id integer primary key, created_at int, updated_at int, closed_at int, pipeline_id int,
    status_id int, responsible_user_id int, created_by int, updated_by int, price int,
    is_deleted int, loss_reason_id int, payload text
);
create index leads_updated_at on leads (updated_at);
create index leads_created_at on leads (created_at);
create table lead_contacts (
    lead_id int, contact_id int, is_main int, primary key (lead_id, contact_id)
);
create index lead_contacts_contact on lead_contacts (contact_id);
create table contacts (
    id integer primary key, created_at int, updated_at int, responsible_user_id int,
    created_by int, updated_by int, payload text
);
create index contacts_updated_at on contacts (updated_at);
create table companies (
    id integer primary key, created_at int, updated_at int, responsible_user_id int,
    created_by int, updated_by int, payload text
);
create index companies_updated_at on companies (updated_at);
create table tasks (
    id integer primary key, created_at int, updated_at int, responsible_user_id int,
    created_by int, updated_by int, entity_type text, entity_id int, task_type_id int,
    is_completed int, complete_till int, payload text
);
create index tasks_updated_at on tasks (updated_at);
create table notes (
    id integer primary key, entity_type text, entity_id int, note_type text, created_at int,
    updated_at int, responsible_user_id int, created_by int, updated_by int, payload text
);
create index notes_entity on notes (entity_type, updated_at);
create index notes_entity_id on notes (entity_type, entity_id);
create table events (
    seq integer primary key, id text unique, type text, entity_type text, entity_id int,
    created_at int, created_by int, after_pipeline_id int, after_status_id int,
    after_responsible_id int, payload text
);
create index events_created_at on events (created_at);
"""


@dataclass
class Selection:
    """A ``where`` clause under construction, with its parameters."""

    clauses: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def add(self, clause: str, *params: Any) -> None:
        """Add a condition (ANDed with the others)."""
        self.clauses.append(clause)
        self.params.extend(params)

    def any_of(self, column: str, values: Sequence[Any]) -> None:
        """``column`` equals one of ``values``."""
        marks = ",".join("?" * len(values))
        self.add(f"{column} in ({marks})", *values)

    def between(self, column: str, low: int | None, high: int | None) -> None:
        """``low <= column <= high`` (either end optional)."""
        if low is not None:
            self.add(f"{column} >= ?", low)
        if high is not None:
            self.add(f"{column} <= ?", high)

    @property
    def sql(self) -> str:
        """The ``where ...`` text (empty when there is no condition)."""
        return f" where {' and '.join(self.clauses)}" if self.clauses else ""


class Store:
    """SQLite-backed storage of one emulated account."""

    def __init__(self, renderer: Renderer, path: str | None = None) -> None:
        self.renderer = renderer
        self.lock = threading.RLock()
        self._db = sqlite3.connect(path or ":memory:", check_same_thread=False)
        self._db.execute("pragma journal_mode = off")
        self._db.execute("pragma synchronous = off")
        self._db.executescript(_SCHEMA)
        self._pages = OrderedIds(self._db)
        self._unsorted: list[dict[str, Any]] = []
        self._posted_notes = 0

    def close(self) -> None:
        """Close the database."""
        with self.lock:
            self._db.close()

    # ---- writing ----------------------------------------------------------------------------

    def apply(self, days: Iterable[DayChanges]) -> int:
        """Apply simulated days in one transaction; returns how many were applied."""
        count = 0
        with self.lock, self._db:
            for day in days:
                self._apply_day(day)
                count += 1
        return count

    def _apply_day(self, day: DayChanges) -> None:
        r, db = self.renderer, self._db
        db.executemany(
            "insert or replace into leads values (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    deal.id,
                    deal.created_at,
                    deal.updated_at,
                    deal.closed_at,
                    deal.pipeline_id,
                    r.amo_status(deal.stage_id),
                    deal.responsible_id,
                    deal.created_by,
                    deal.updated_by,
                    deal.amount,
                    int(deal.is_deleted),
                    deal.loss_reason_id,
                    _dump(r.lead(deal)),
                )
                for deal in day.deals
            ],
        )
        db.executemany(
            "delete from lead_contacts where lead_id = ?", [(deal.id,) for deal in day.deals]
        )
        db.executemany(
            "insert into lead_contacts values (?,?,?)",
            [
                (deal.id, contact_id, int(position == 0))
                for deal in day.deals
                for position, contact_id in enumerate(deal.contact_ids)
            ],
        )
        for table, records, render in (
            ("contacts", day.contacts, r.contact),
            ("companies", day.companies, r.company),
        ):
            db.executemany(
                f"insert or replace into {table} values (?,?,?,?,?,?,?)",
                [
                    (
                        item.id,
                        item.created_at,
                        item.updated_at,
                        item.responsible_id,
                        item.created_by,
                        item.updated_by,
                        _dump(render(item)),
                    )
                    for item in records
                ],
            )
        db.executemany(
            "insert or replace into tasks values (?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    task.id,
                    task.created_at,
                    task.updated_at,
                    task.responsible_id,
                    task.created_by,
                    task.updated_by,
                    payload["entity_type"],
                    payload["entity_id"],
                    task.type_id,
                    int(task.is_completed),
                    task.due_at,
                    _dump(payload),
                )
                for task in day.tasks
                for payload in (r.task(task),)
            ],
        )
        notes = [r.note(activity) for activity in day.activities]
        robots = [note for deal in day.deals if (note := r.robot_note(deal)) is not None]
        db.executemany(
            "insert or ignore into notes values (?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    note["id"],
                    note["entity_type"],
                    note["entity_id"],
                    note["note_type"],
                    note["created_at"],
                    note["updated_at"],
                    note["responsible_user_id"],
                    note["created_by"],
                    note["updated_by"],
                    _dump(note),
                )
                for note in (*notes, *robots)
            ],
        )
        self._insert_events(day_events(day, r))

    # ---- reading ----------------------------------------------------------------------------

    def select(
        self,
        table: str,
        columns: str,
        selection: Selection,
        order: str,
        limit: int,
        offset: int,
    ) -> list[tuple[Any, ...]]:
        """Rows of ``table`` matching ``selection``, ordered and paged."""
        with self.lock:
            if offset > 0:  # later pages: see page_cache.py
                args = (selection.sql, list(selection.params), order, limit, offset)
                return self._pages.page(table, columns, *args)
            sql = f"select {columns} from {table}{selection.sql} order by {order} limit ?"
            return self._db.execute(sql, [*selection.params, limit]).fetchall()

    def lead_contacts(self, lead_ids: Sequence[int]) -> dict[int, list[tuple[int, bool]]]:
        """``lead id -> [(contact id, is_main)]`` with the main contact first."""
        result: dict[int, list[tuple[int, bool]]] = {lead_id: [] for lead_id in lead_ids}
        if not lead_ids:
            return result
        marks = ",".join("?" * len(lead_ids))
        sql = (
            f"select lead_id, contact_id, is_main from lead_contacts where lead_id in ({marks})"
            " order by lead_id, is_main desc, contact_id"
        )
        with self.lock:
            for lead_id, contact_id, is_main in self._db.execute(sql, list(lead_ids)):
                result[lead_id].append((contact_id, bool(is_main)))
        return result

    def contact_leads(self, contact_ids: Sequence[int]) -> dict[int, list[int]]:
        """``contact id -> [lead id]`` of leads that are not deleted."""
        result: dict[int, list[int]] = {contact_id: [] for contact_id in contact_ids}
        if not contact_ids:
            return result
        marks = ",".join("?" * len(contact_ids))
        sql = (
            "select lc.contact_id, lc.lead_id from lead_contacts lc join leads l"
            f" on l.id = lc.lead_id where l.is_deleted = 0 and lc.contact_id in ({marks})"
            " order by lc.contact_id, lc.lead_id"
        )
        with self.lock:
            for contact_id, lead_id in self._db.execute(sql, list(contact_ids)):
                result[contact_id].append(lead_id)
        return result

    def bump_updated_at(self, table: str, count: int, at: int, rng: random.Random) -> list[int]:
        """Set ``updated_at`` of ``count`` random rows (leads: not deleted) to ``at``."""
        where = " where is_deleted = 0" if table == "leads" else ""
        with self.lock, self._db:
            ids = [row[0] for row in self._db.execute(f"select id from {table}{where} order by id")]
            chosen = rng.sample(ids, min(count, len(ids)))
            for row_id in chosen:
                (payload,) = self._db.execute(
                    f"select payload from {table} where id = ?", (row_id,)
                ).fetchone()
                item = json.loads(payload)
                item["updated_at"] = at
                self._db.execute(
                    f"update {table} set updated_at = ?, payload = ? where id = ?",
                    (at, _dump(item), row_id),
                )
        return chosen

    def set_lead_deleted(self, lead_id: int, deleted: bool, at: int, by: int) -> bool:
        """Move a lead to the bin or back (an admin's action), with its event.

        Returns ``False`` when the lead does not exist or is already in that state.
        """
        with self.lock, self._db:
            row = self._db.execute(
                "select payload, is_deleted from leads where id = ?", (lead_id,)
            ).fetchone()
            if row is None or bool(row[1]) == deleted:
                return False
            item = json.loads(row[0])
            item.update(is_deleted=deleted, updated_at=at, updated_by=by)
            self._db.execute(
                "update leads set is_deleted = ?, updated_at = ?, updated_by = ?, payload = ?"
                " where id = ?",
                (int(deleted), at, by, _dump(item), lead_id),
            )
            self._insert_events([lead_bin_event(self.renderer, lead_id, deleted, at, by)])
        return True

    def add_unsorted(self, item: dict[str, Any]) -> None:
        """Keep an incoming (unsorted) lead of ``GET /api/v4/leads/unsorted``."""
        with self.lock:
            self._unsorted.append(item)

    def unsorted(self) -> list[dict[str, Any]]:
        """The incoming (unsorted) leads, in the order they were added (copies)."""
        with self.lock:
            return json.loads(_dump(self._unsorted))

    def contact_phones(self) -> list[tuple[int, list[str]]]:
        """``(contact id, [phone values])`` of every contact, by id."""
        result = []
        with self.lock:
            rows = self._db.execute("select id, payload from contacts order by id").fetchall()
        for contact_id, payload in rows:
            fields = json.loads(payload).get("custom_fields_values") or []
            phones = [
                str(value["value"])
                for field_ in fields
                if field_.get("field_code") == "PHONE"
                for value in field_.get("values", [])
            ]
            result.append((contact_id, phones))
        return result

    def add_call_note(self, note: dict[str, Any], inbound: bool) -> int:
        """Store a posted call as a contact note (id assigned here) and its call event.

        ``note`` is the note payload without ``id``; returns the new note id.
        """
        with self.lock, self._db:
            self._posted_notes += 1
            note_id = POSTED_NOTE_BASE + self._posted_notes
            note["id"] = note_id
            by, at = note["created_by"], note["created_at"]
            self._db.execute(
                "insert into notes values (?,?,?,?,?,?,?,?,?,?)",
                (
                    note_id,
                    note["entity_type"],
                    note["entity_id"],
                    note["note_type"],
                    at,
                    note["updated_at"],
                    note["responsible_user_id"],
                    by,
                    note["updated_by"],
                    _dump(note),
                ),
            )
            event = call_event(self.renderer, note_id, inbound, note["entity_id"], at, by)
            self._insert_events([event])
        return note_id

    def _insert_events(self, rows: Iterable[EventRow]) -> None:
        self._db.executemany(
            "insert into events (id, type, entity_type, entity_id, created_at, created_by,"
            " after_pipeline_id, after_status_id, after_responsible_id, payload)"
            " values (?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    row.id,
                    row.type,
                    row.entity_type,
                    row.entity_id,
                    row.created_at,
                    row.created_by,
                    row.after_pipeline_id,
                    row.after_status_id,
                    row.after_responsible_id,
                    _dump(row.payload),
                )
                for row in rows
            ],
        )

    def counts(self) -> dict[str, int]:
        """Row counts per table (for logs and reports)."""
        tables = ("leads", "contacts", "companies", "tasks", "notes", "events")
        with self.lock:
            return {
                table: self._db.execute(f"select count(*) from {table}").fetchone()[0]
                for table in tables
            }


_dump = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode
