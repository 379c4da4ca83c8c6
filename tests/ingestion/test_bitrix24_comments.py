"""Strict ``crm.timeline.comment.list``: the docs make filter[ENTITY_TYPE] and filter[ENTITY_ID]
mandatory. The emulator refuses a call without them (400, as documented) and the source reads
comments per entity, 50 entities per ``batch``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dlt
import duckdb
import requests
from crm_kpi_emulators.bitrix24 import Bitrix24Emulator
from crm_kpi_emulators.synthetic import CompanyConfig

from crm_kpi.sources.bitrix24 import bitrix24_source

COMPANY = CompanyConfig(
    seed=7, start_date=dt.date(2026, 3, 2), days=10, managers=3, teams=1, deals_per_day=5.0
)


def test_comment_list_without_its_mandatory_filter_is_a_400() -> None:
    with Bitrix24Emulator(COMPANY) as emulator:
        url = emulator.webhook_url + "crm.timeline.comment.list"
        bare = requests.post(url, json={"filter": {">ID": 0}}, timeout=10)
        some = next(r for r in emulator.store.visible("comment") if r["ENTITY_TYPE"] == "deal")
        scoped = requests.post(
            url,
            json={"filter": {"ENTITY_TYPE": "deal", "ENTITY_ID": some["ENTITY_ID"]}},
            timeout=10,
        )
    assert bare.status_code == 400
    assert bare.json()["error"] == ""
    assert "ENTITY_TYPE" in bare.json()["error_description"]
    assert scoped.status_code == 200
    rows = scoped.json()["result"]
    assert some["ID"] in {row["ID"] for row in rows}
    assert {row["ENTITY_ID"] for row in rows} == {some["ENTITY_ID"]}


def test_source_reads_every_comment_per_entity_in_batches(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh.duckdb"
    with Bitrix24Emulator(COMPANY) as emulator:
        pipeline = dlt.pipeline(
            pipeline_name="bitrix24_comments",
            destination=dlt.destinations.duckdb(str(warehouse)),
            dataset_name="raw_bitrix24",
            pipelines_dir=str(tmp_path / "dlt"),
        )
        source = bitrix24_source(portal=emulator.portal, webhook_url=emulator.webhook_url)
        pipeline.run(source, loader_file_format="parquet")
        expected = sorted(
            (int(r["ID"]), r["ENTITY_TYPE"], r["ENTITY_ID"])
            for r in emulator.store.visible("comment")
        )
        direct = [e for e in emulator.request_log if e.method == "crm.timeline.comment.list"]
        refused = [e for e in emulator.request_log if e.status == 400]
    assert expected, "the synthetic company wrote no comments"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        loaded = con.execute(
            "select cast(id as bigint), entity_type, cast(entity_id as varchar)"
            " from raw_bitrix24.timeline_comments order by 1"
        ).fetchall()
    assert loaded == expected
    assert not direct and not refused  # only batched, always with the mandatory filter


def test_later_runs_read_comments_of_changed_entities_only(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh.duckdb"

    def load(emulator: Bitrix24Emulator) -> int:
        emulator.reset_request_log()
        pipeline = dlt.pipeline(
            pipeline_name="bitrix24_comments_incremental",
            destination=dlt.destinations.duckdb(str(warehouse)),
            dataset_name="raw_bitrix24",
            pipelines_dir=str(tmp_path / "dlt"),
        )
        source = bitrix24_source(portal=emulator.portal, webhook_url=emulator.webhook_url)
        pipeline.run(source.with_resources("timeline_comments"), loader_file_format="parquet")
        return sum(e.commands for e in emulator.request_log if e.method == "batch")

    with Bitrix24Emulator(COMPANY) as emulator:
        first = load(emulator)
        # A deal deleted during the two days takes its comments along (hard delete): what
        # was loaded before stays loaded, so compare with what either load could see.
        visible = {int(r["ID"]) for r in emulator.store.visible("comment")}
        emulator.advance(days=2)
        second = load(emulator)
        visible |= {int(r["ID"]) for r in emulator.store.visible("comment")}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("select cast(id as bigint) from raw_bitrix24.timeline_comments")
        loaded = {row[0] for row in rows.fetchall()}
    assert 0 < second < first
    assert loaded <= visible and len(loaded) > 0
