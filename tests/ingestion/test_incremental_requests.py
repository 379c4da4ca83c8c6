"""An incremental run's API requests scale with what changed (issue #11 acceptance).

After a full load and one more simulated working day, every incremental endpoint gets at most
``ceil(1.1 x changed rows / page size)`` requests (at least one: asking is how a client learns
that nothing changed), counted by the emulators' request logs; everything else is a dictionary
or reconciliation call read whole on every run, and their number does not grow with the data.
``benchmarks/ingestion.py`` measures the same at scale.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import dlt
import pytest
from crm_kpi_emulators.registry import emulator_of
from crm_kpi_emulators.synthetic import CompanyConfig

from crm_kpi.sources.pipelines import LOADER_FILE_FORMAT
from crm_kpi.sources.registry import crm

# Eight days from a Monday: the day of changes (the 9th) is a Tuesday.
COMPANY = CompanyConfig(
    seed=5, start_date=dt.date(2026, 5, 4), days=8, managers=2, teams=1, deals_per_day=4.0
)
# Dictionaries and reconciliation per run: amoCRM account, users, pipelines, loss reasons,
# sources, 3 custom-field lists, 3 tag lists, 3 bins; Bitrix24 users, departments, statuses,
# categories, currencies, the time-zone probe, 4 deletion ID scans.
DICTIONARY_CALLS = {"amocrm": 14, "bitrix24": 10}
# Bitrix24 reads timeline comments per changed deal and per changed contact (the method needs
# one entity per call, 50 calls per batch): one ID scan of each parent list on top of its
# listing; the comment calls of both parent types share their batches.
FOLLOW_UPS = {
    "amocrm": {},
    "bitrix24": {"crm.deal.list": 1, "crm.contact.list": 1},
}


def _run(pipeline: dlt.Pipeline, name: str) -> None:
    pipeline.run(crm(name).source(), loader_file_format=LOADER_FILE_FORMAT)


@pytest.mark.parametrize("name", ["amocrm", "bitrix24"])
def test_incremental_requests_scale_with_changed_rows(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator = emulator_of(crm(name))
    assert emulator is not None and emulator.benchmarked is not None
    pipeline = dlt.pipeline(
        pipeline_name=f"incremental_requests_{name}",
        destination=dlt.destinations.duckdb(str(tmp_path / "raw.duckdb")),
        dataset_name=crm(name).raw_schema,
        pipelines_dir=str(tmp_path / "dlt"),
    )
    with emulator.benchmarked(COMPANY, "test-token") as account:
        for key, value in account.settings.items():
            monkeypatch.setenv(key, value)
        _run(pipeline, name)
        changed = account.advance(1)
        account.reset_requests()
        _run(pipeline, name)
        requests = account.requests()

    assert sum(rows for rows, _ in changed.values()) > 20, "the day of changes changed little"
    for endpoint, (rows, page) in changed.items():
        allowed = max(1, math.ceil(1.1 * rows / page)) + FOLLOW_UPS[name].get(endpoint, 0)
        assert requests.get(endpoint, 0) <= allowed, (endpoint, rows, page, requests)
    dictionary = sum(count for endpoint, count in requests.items() if endpoint not in changed)
    assert dictionary <= DICTIONARY_CALLS[name], requests
