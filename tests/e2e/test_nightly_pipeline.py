"""The whole nightly graph against the emulator: complete, idempotent and incremental."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs

import duckdb
import pandas as pd
import pytest

from crm_kpi.cli import main
from crm_kpi.runner import run_nightly
from crm_kpi.sources.amocrm.settings import LIST_ENDPOINTS

RAW_TABLES = [
    "account",
    "users_groups",
    "task_types",
    "users",
    "pipelines",
    "pipeline_statuses",
    "leads",
    "contacts",
    "tasks",
    "events",
    "lead_notes",
    "contact_notes",
]
MARTS = {
    "mart_manager_daily": ["account_key", "manager_id", "activity_date"],
    "mart_manager_monthly": ["account_key", "manager_id", "month_start"],
}


def _raw_counts(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            table: con.execute(f"select count(*) from raw_amocrm.{table}").fetchone()[0]
            for table in RAW_TABLES
        }


def _mart(warehouse: Path, name: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frame = con.execute(f"select * from marts.{name}").df()
    return frame.sort_values(MARTS[name]).reset_index(drop=True)


def _must_succeed() -> None:
    summary = run_nightly()
    assert summary.success, summary.failures


# Three whole runs; on a shared two-core machine more than pytest's default 10 minutes.
@pytest.mark.timeout(1800)
def test_nightly_run_is_complete_idempotent_and_incremental(amocrm, warehouse: Path) -> None:
    assert main(["run"]) == 0  # the production command, on the configured (emulated) account
    first_counts = _raw_counts(warehouse)
    assert all(count > 0 for count in first_counts.values()), first_counts
    marts = {name: _mart(warehouse, name) for name in MARTS}
    assert all(not frame.empty for frame in marts.values())
    full_requests = len(amocrm.request_log)

    # Same data again: nothing is added, no mart changes.
    amocrm.reset_request_log()
    _must_succeed()
    assert _raw_counts(warehouse) == first_counts
    for name, frame in marts.items():
        pd.testing.assert_frame_equal(_mart(warehouse, name), frame)

    # The company lives one more day: only what changed is fetched.
    amocrm.advance(days=1)
    amocrm.reset_request_log()
    _must_succeed()
    after = _raw_counts(warehouse)
    assert after["leads"] >= first_counts["leads"]
    assert after["events"] > first_counts["events"]
    incremental = [entry for entry in amocrm.request_log if entry[1].startswith("/api/v4/")]
    assert len(incremental) < full_requests / 2, (len(incremental), full_requests)
    cursor_paths = {f"/api/v4/{e.path}": e.cursor for e in LIST_ENDPOINTS if e.cursor}
    for _method, path, query, _status in incremental:
        params = parse_qs(query)
        # The bin (with=only_deleted) is read whole on purpose: deletion reconciliation,
        # bounded by the bin's size, not the account's.
        if path in cursor_paths and "only_deleted" not in params.get("with", []):
            assert f"filter[{cursor_paths[path]}][from]" in params, (path, query)
