"""Contract 1: ``raw_bitrix24.portal_settings`` records each portal's configured time zone and
the UTC offset the API's own timestamps carry (captured before anything converts them)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dlt
import duckdb
import pytest
from crm_kpi_emulators.bitrix24 import Bitrix24Emulator, Bitrix24Options
from crm_kpi_emulators.synthetic import CompanyConfig

from crm_kpi.sources.bitrix24 import bitrix24_source, utc_offset_of

COMPANY = CompanyConfig(
    seed=9, start_date=dt.date(2026, 3, 2), days=4, managers=2, teams=1, deals_per_day=4.0
)


def _load(emulator: Bitrix24Emulator, folder: Path) -> list[tuple[object, ...]]:
    pipeline = dlt.pipeline(
        pipeline_name="bitrix24_portal_settings",
        destination=dlt.destinations.duckdb(str(folder / "wh.duckdb")),
        dataset_name="raw_bitrix24",
        pipelines_dir=str(folder / "dlt"),
    )
    source = bitrix24_source(portal=emulator.portal, webhook_url=emulator.webhook_url)
    pipeline.run(source.with_resources("portal_settings"), loader_file_format="parquet")
    with duckdb.connect(str(folder / "wh.duckdb"), read_only=True) as con:
        return con.execute(
            "select portal, timezone, utc_offset from raw_bitrix24.portal_settings"
        ).fetchall()


def test_offset_of_a_plus_seven_portal_without_a_configured_zone(tmp_path: Path) -> None:
    options = Bitrix24Options(timezone="Asia/Novosibirsk")
    with Bitrix24Emulator(COMPANY, options=options) as emulator:
        rows = _load(emulator, tmp_path)
        portal = emulator.portal
    assert rows == [(portal, None, "+07:00")]


def test_configured_zone_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCES__BITRIX24__TIMEZONE", "Asia/Novosibirsk")
    with Bitrix24Emulator(COMPANY) as emulator:
        rows = _load(emulator, tmp_path)
        portal = emulator.portal
    assert rows == [(portal, "Asia/Novosibirsk", "+03:00")]  # the emulator serves Moscow time


def test_an_unknown_zone_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="not an IANA time zone"):
        bitrix24_source(portal="p.bitrix24.ru", webhook_url="http://p/rest/1/c/", timezone="MSK+4")


@pytest.mark.parametrize(
    ("value", "offset"),
    [
        ("2024-09-02T18:37:18+02:00", "+02:00"),
        ("2026-03-10T11:19:38+07:00", "+07:00"),
        ("2024-04-25T14:59:11+00:00", "+00:00"),
        ("2024-04-25T14:59:11Z", "+00:00"),
        ("2024-04-25T14:59:11-0330", "-03:30"),
        ("2024-04-25", None),
        (None, None),
    ],
)
def test_utc_offset_of(value: object, offset: str | None) -> None:
    assert utc_offset_of(value) == offset


def test_a_descending_list_does_not_reorder_the_emulators_keyset() -> None:
    """Regression: the emulator sorted its cached rows in place, so the DESC call of
    portal_settings broke later ``>ID`` keyset pages (the deletion scan saw 99 of 926 deals)."""
    import requests

    with Bitrix24Emulator(COMPANY) as emulator:
        url = emulator.webhook_url + "crm.deal.list"
        ids = sorted(int(row["ID"]) for row in emulator.store.visible("deal"))
        requests.post(url, json={"order": {"ID": "DESC"}, "start": -1}, timeout=10)
        page = requests.post(
            url,
            json={"filter": {">ID": ids[0]}, "order": {"ID": "ASC"}, "select": ["ID"], "start": -1},
            timeout=10,
        ).json()["result"]
    assert [int(row["ID"]) for row in page] == ids[1:51]
