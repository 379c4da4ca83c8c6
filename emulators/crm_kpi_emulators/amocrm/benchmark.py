"""The amoCRM emulator as the ingestion benchmark runs it: no rate limit, and what changed.

``benchmarked(config, token)`` serves the account like the demo does, but with the emulator's
rate limit off and the client's throttle raised (the benchmark's "unthrottled" mode; the
defaults stay realistic: amoCRM allows 7 requests per second), and it tells the benchmark how
many rows each incremental endpoint has to deliver after the company lives on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from urllib.parse import parse_qs

from crm_kpi.sources.amocrm.settings import EVENT_TYPES, EVENTS_PAGE_LIMIT, NOTE_TYPES, PAGE_LIMIT

from ..registry import BenchmarkedAccount
from ..synthetic import CompanyConfig
from .options import EmulatorOptions
from .server import AmoCrmEmulator
from .store import Selection

# No limit on the server; the SQLite data in a temporary file (large companies).
UNTHROTTLED = EmulatorOptions(requests_per_second=None, storage_path="")
CLIENT_REQUESTS_PER_SECOND = "100000"
NOTE_ENTITIES = ("leads", "contacts", "companies")


def endpoint_of(path: str, query: str) -> str:
    """A request's endpoint for the report: the path under ``/api/v4/``, plus ``[bin]`` for
    the snapshot of deleted records (``with=only_deleted``)."""
    endpoint = path.removeprefix("/api/v4/").strip("/") or path
    if "only_deleted" in ",".join(parse_qs(query).get("with", [])):
        endpoint += " [bin]"
    return endpoint


def _count(emulator: AmoCrmEmulator, table: str, selection: Selection) -> int:
    rows = emulator.store.select(table, "count(*)", selection, "1", 1, 0)
    return int(rows[0][0]) if rows else 0


def changed_since(emulator: AmoCrmEmulator, since: int) -> dict[str, tuple[int, int]]:
    """``endpoint -> (rows changed after since, page size)`` of every incremental endpoint,
    counted as the API filters them (``updated_at``; events by ``created_at``, of the types
    the source asks for; notes of the note types it asks for)."""
    changed: dict[str, tuple[int, int]] = {}
    for table in ("leads", "contacts", "companies", "tasks"):
        selection = Selection()
        selection.add("updated_at > ?", since)
        if table == "leads":
            selection.add("is_deleted = 0")
        changed[table] = (_count(emulator, table, selection), PAGE_LIMIT)
    for entity in NOTE_ENTITIES:
        selection = Selection()
        selection.add("entity_type = ?", entity)
        selection.add("updated_at > ?", since)
        selection.any_of("note_type", NOTE_TYPES)
        changed[f"{entity}/notes"] = (_count(emulator, "notes", selection), PAGE_LIMIT)
    selection = Selection()
    selection.add("created_at > ?", since)
    selection.any_of("type", EVENT_TYPES)
    changed["events"] = (_count(emulator, "events", selection), EVENTS_PAGE_LIMIT)
    return changed


@contextlib.contextmanager
def benchmarked(config: CompanyConfig, token: str) -> Iterator[BenchmarkedAccount]:
    """Serve ``config`` without a rate limit for the ingestion benchmark."""
    with AmoCrmEmulator(config, token=token, options=UNTHROTTLED) as emulator:

        def requests() -> dict[str, int]:
            counts: dict[str, int] = {}
            for _, path, query, _ in emulator.request_log:
                if path.startswith("/api/v4/"):
                    key = endpoint_of(path, query)
                    counts[key] = counts.get(key, 0) + 1
            return counts

        def advance(days: int) -> dict[str, tuple[int, int]]:
            since = emulator.now
            emulator.advance(days)
            return changed_since(emulator, since)

        yield BenchmarkedAccount(
            settings={
                "SOURCES__AMOCRM__SUBDOMAIN": emulator.subdomain,
                "SOURCES__AMOCRM__BASE_URL": emulator.base_url,
                "SOURCES__AMOCRM__ACCESS_TOKEN": token,
                "SOURCES__AMOCRM__REQUESTS_PER_SECOND": CLIENT_REQUESTS_PER_SECOND,
                "SOURCES__AMOCRM__PROXY": "none",  # a loopback server
            },
            build_seconds=emulator.build_seconds,
            counts=emulator.store.counts(),
            requests=requests,
            reset_requests=emulator.reset_request_log,
            advance=advance,
        )
