"""The CRM registry and both plug-ins: accounts from dlt settings, one source per account."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dlt
import duckdb
import pytest
from crm_kpi_emulators.bitrix24 import Bitrix24Emulator
from crm_kpi_emulators.registry import emulated_crms
from crm_kpi_emulators.synthetic import CompanyConfig

from crm_kpi.sources.registry import CrmAccount, crm, registered_crms


@pytest.fixture(autouse=True)
def no_crm_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No CRM settings from the environment or a ``.dlt/`` folder."""
    import os

    for name in list(os.environ):
        if name.startswith("SOURCES__"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_both_crms_are_registered_with_an_emulator() -> None:
    assert [plugin.name for plugin in registered_crms()] == ["amocrm", "bitrix24"]
    assert [plugin.name for plugin, _ in emulated_crms()] == ["amocrm", "bitrix24"]
    assert crm("bitrix24").raw_schema == "raw_bitrix24"
    with pytest.raises(KeyError, match="registered: amocrm, bitrix24"):
        crm("salesforce")
    assert CrmAccount("bitrix24", "main", "a.bitrix24.ru").partition_key == "bitrix24.a.bitrix24.ru"


def test_unconfigured_crms_have_no_accounts_and_say_what_to_set() -> None:
    for plugin in registered_crms():
        assert plugin.accounts() == []
        assert plugin.missing_settings()
    assert crm("bitrix24").missing_settings() == [
        "SOURCES__BITRIX24__PORTAL",
        "SOURCES__BITRIX24__WEBHOOK_URL (or CLIENT_ID, CLIENT_SECRET, TOKEN_FILE)",
    ]


def test_several_accounts_of_each_crm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCES__AMOCRM__ACCOUNTS", "main,eu")
    monkeypatch.setenv("SOURCES__AMOCRM__MAIN__SUBDOMAIN", "acme")
    monkeypatch.setenv("SOURCES__AMOCRM__MAIN__ACCESS_TOKEN", "t1")
    monkeypatch.setenv("SOURCES__AMOCRM__EU__SUBDOMAIN", "acme-eu")
    monkeypatch.setenv("SOURCES__BITRIX24__PORTALS", "north, south")
    monkeypatch.setenv("SOURCES__BITRIX24__NORTH__PORTAL", "north.bitrix24.ru")
    monkeypatch.setenv("SOURCES__BITRIX24__NORTH__WEBHOOK_URL", "http://n/rest/1/c/")
    monkeypatch.setenv("SOURCES__BITRIX24__SOUTH__WEBHOOK_URL", "http://s/rest/1/c/")
    assert crm("amocrm").missing_settings() == [
        "SOURCES__AMOCRM__EU__ACCESS_TOKEN (or SOURCES__AMOCRM__EU__CLIENT_ID and "
        "SOURCES__AMOCRM__EU__CLIENT_SECRET)"
    ]
    assert crm("bitrix24").missing_settings() == ["SOURCES__BITRIX24__SOUTH__PORTAL"]
    assert crm("bitrix24").accounts() == []  # not until every portal is complete

    monkeypatch.setenv("SOURCES__AMOCRM__EU__ACCESS_TOKEN", "t2")
    monkeypatch.setenv("SOURCES__BITRIX24__SOUTH__PORTAL", "south.bitrix24.ru")
    assert [a.partition_key for a in crm("amocrm").accounts()] == ["amocrm.acme", "amocrm.acme-eu"]
    portals = crm("bitrix24").accounts()
    assert [(a.name, a.label) for a in portals] == [
        ("north", "north.bitrix24.ru"),
        ("south", "south.bitrix24.ru"),
    ]
    source = crm("bitrix24").source(portals[1])
    assert "deals" in source.resources


COMPANY = CompanyConfig(seed=3, start_date=dt.date(2026, 3, 2), days=6, managers=2, teams=1)


def test_two_portals_load_into_one_schema_each_with_its_own_cursor(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    warehouse = tmp_path / "wh.duckdb"
    other = CompanyConfig(**{**COMPANY.__dict__, "subdomain": "other", "seed": 4})
    with Bitrix24Emulator(COMPANY) as first, Bitrix24Emulator(other) as second:
        monkeypatch.setenv("SOURCES__BITRIX24__PORTALS", "one,two")
        for name, emulator in (("ONE", first), ("TWO", second)):
            monkeypatch.setenv(f"SOURCES__BITRIX24__{name}__PORTAL", emulator.portal)
            monkeypatch.setenv(f"SOURCES__BITRIX24__{name}__WEBHOOK_URL", emulator.webhook_url)
        pipeline = dlt.pipeline(
            pipeline_name="bitrix24_portals",
            destination=dlt.destinations.duckdb(str(warehouse)),
            dataset_name="raw_bitrix24",
            pipelines_dir=str(tmp_path / "dlt"),
        )
        plugin = crm("bitrix24")
        pipeline.run(
            plugin.source().with_resources("deals", "deletions"), loader_file_format="parquet"
        )
        state = pipeline.state["sources"]["bitrix24"]
        cursors = state["resources"]["deals"]["cursors"]
        assert set(cursors) == {f"bitrix24:{first.portal}", f"bitrix24:{second.portal}"}
        assert set(state["known_ids"]) == {"one", "two"}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        counts = dict(
            con.execute("select portal, count(*) from raw_bitrix24.deals group by 1").fetchall()
        )
    assert set(counts) == {first.portal, second.portal}
    assert all(count > 0 for count in counts.values())
