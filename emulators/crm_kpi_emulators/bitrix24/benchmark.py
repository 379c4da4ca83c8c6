"""The Bitrix24 emulator as the ingestion benchmark runs it: no limits, and what changed.

``benchmarked(config, token)`` serves the portal like the demo does, but with the leaky bucket
and the operating-time budget off, and the client's throttle raised (the benchmark's
"unthrottled" mode; the defaults stay realistic: 2 requests per second, a burst of 50), and it
tells the benchmark how many rows each incremental method has to deliver after the company
lives on.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

from ..registry import BenchmarkedAccount
from ..synthetic import CompanyConfig
from .api import PAGE_SIZE
from .options import Bitrix24Options
from .server import Bitrix24Emulator

UNTHROTTLED = Bitrix24Options(burst=None, operating_limit_s=float("inf"))
CLIENT_LIMIT = "100000"
# store table -> (the list method that reads it, the field its incremental filter compares)
CURSORS = {
    "deal": ("crm.deal.list", "DATE_MODIFY"),
    "lead": ("crm.lead.list", "DATE_MODIFY"),
    "contact": ("crm.contact.list", "DATE_MODIFY"),
    "company": ("crm.company.list", "DATE_MODIFY"),
    "activity": ("crm.activity.list", "LAST_UPDATED"),
    "task": ("tasks.task.list", "changedDate"),
    "call": ("voximplant.statistic.get", "CALL_START_DATE"),
    "deal_history": ("crm.stagehistory.list?entityTypeId=2", "CREATED_TIME"),
    "lead_history": ("crm.stagehistory.list?entityTypeId=1", "CREATED_TIME"),
    "comment": ("crm.timeline.comment.list", "CREATED"),
}


def _epoch(value: object) -> int:
    try:
        return int(dt.datetime.fromisoformat(str(value)).timestamp())
    except ValueError:
        return 0


def changed_since(emulator: Bitrix24Emulator, since: int) -> dict[str, tuple[int, int]]:
    """``method -> (rows changed after since, page size)`` of every incremental method."""
    changed: dict[str, tuple[int, int]] = {}
    for table, (method, field) in CURSORS.items():
        rows = sum(1 for row in emulator.store.visible(table) if _epoch(row.get(field)) > since)
        changed[method] = (rows, PAGE_SIZE)
    return changed


@contextlib.contextmanager
def benchmarked(config: CompanyConfig, token: str) -> Iterator[BenchmarkedAccount]:
    """Serve ``config`` without limits for the ingestion benchmark."""
    with Bitrix24Emulator(config, options=UNTHROTTLED) as emulator:

        def requests() -> dict[str, int]:
            counts: dict[str, int] = {}
            for entry in emulator.request_log:
                # A batch counts as one request of the method its subcalls call; the source
                # lists records in batches only, so a single call is a dictionary or probe.
                key = entry.detail if entry.method == "batch" else f"{entry.method} (call)"
                counts[key] = counts.get(key, 0) + 1
            return counts

        def advance(days: int) -> dict[str, tuple[int, int]]:
            since = emulator.company.now
            emulator.advance(days)
            return changed_since(emulator, since)

        yield BenchmarkedAccount(
            settings={
                "SOURCES__BITRIX24__PORTAL": emulator.portal,
                "SOURCES__BITRIX24__WEBHOOK_URL": emulator.webhook_url,
                "SOURCES__BITRIX24__REQUESTS_PER_SECOND": CLIENT_LIMIT,
                "SOURCES__BITRIX24__BURST": CLIENT_LIMIT,
                "SOURCES__BITRIX24__PROXY": "none",  # a loopback server
            },
            build_seconds=emulator.build_seconds,
            counts=emulator.store.counts(),
            requests=requests,
            reset_requests=emulator.reset_request_log,
            advance=advance,
        )
