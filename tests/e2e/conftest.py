"""An emulated amoCRM account wired into the source's configuration."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from crm_kpi_emulators.amocrm import AmoCrmEmulator
from crm_kpi_emulators.synthetic import CompanyConfig

TOKEN = "test-token"
SMALL_COMPANY = CompanyConfig(
    seed=7, start_date=dt.date(2026, 6, 1), days=75, managers=5, teams=2, deals_per_day=5.0
)


@pytest.fixture
def amocrm(monkeypatch: pytest.MonkeyPatch) -> Iterator[AmoCrmEmulator]:
    """A running emulator serving a small company; the source is configured to read it."""
    with AmoCrmEmulator(SMALL_COMPANY, token=TOKEN, host="127.0.0.1", port=0) as emulator:
        monkeypatch.setenv("SOURCES__AMOCRM__SUBDOMAIN", emulator.subdomain)
        monkeypatch.setenv("SOURCES__AMOCRM__BASE_URL", emulator.base_url)
        monkeypatch.setenv("SOURCES__AMOCRM__ACCESS_TOKEN", TOKEN)
        # Tests do not need to be polite to a local emulator.
        monkeypatch.setenv("SOURCES__AMOCRM__REQUESTS_PER_SECOND", "200")
        yield emulator
