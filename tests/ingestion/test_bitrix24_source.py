"""The Bitrix24 dlt source against the emulator: faults, shuffling, batching, deletions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dlt
import duckdb
import pytest
import requests
from crm_kpi_emulators.bitrix24 import Bitrix24Emulator, Bitrix24Options
from crm_kpi_emulators.synthetic import CompanyConfig

from crm_kpi.sources.bitrix24 import bitrix24_source

COMPANY = CompanyConfig(
    seed=5, start_date=dt.date(2026, 2, 2), days=12, managers=3, teams=1, deals_per_day=4.0
)
TABLES = ("deals", "leads", "contacts", "activities", "calls", "tasks", "deal_stage_history")


def _load(emulator: Bitrix24Emulator, warehouse: Path, **options: object) -> dlt.Pipeline:
    pipeline = dlt.pipeline(
        pipeline_name="bitrix24_test",
        destination=dlt.destinations.duckdb(str(warehouse)),
        dataset_name="raw_bitrix24",
        pipelines_dir=str(warehouse.parent / "dlt"),
    )
    source = bitrix24_source(portal=emulator.portal, webhook_url=emulator.webhook_url, **options)
    pipeline.run(source, loader_file_format="parquet")
    return pipeline


def _rows(warehouse: Path, table: str) -> list[tuple[object, ...]]:
    key = "id"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = [
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns where table_schema ="
                " 'raw_bitrix24' and table_name = ? and not starts_with(column_name, '_dlt')"
                " order by column_name",
                [table],
            ).fetchall()
        ]
        return con.execute(
            f"select {', '.join(columns)} from raw_bitrix24.{table} order by {key}"
        ).fetchall()


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Bitrix24Emulator]:
    """A clean load, and the emulator's request log of it."""
    warehouse = tmp_path_factory.mktemp("clean") / "wh.duckdb"
    with Bitrix24Emulator(COMPANY) as emulator:
        _load(emulator, warehouse)
    return warehouse, emulator


def test_every_row_loaded_exactly_once_although_unordered_lists_shuffle(clean) -> None:
    warehouse, emulator = clean
    counts = emulator.store.counts()
    mapping = {"deals": "deal", "leads": "lead", "activities": "activity", "calls": "call",
               "tasks": "task", "deal_stage_history": "deal_history"}  # fmt: skip
    for table, store_table in mapping.items():
        ids = [row for row in _rows(warehouse, table)]
        assert len(ids) == counts[store_table], table
    with Bitrix24Emulator(COMPANY) as fresh:
        first = requests.post(fresh.webhook_url + "crm.deal.list", json={}, timeout=10).json()
        second = requests.post(fresh.webhook_url + "crm.deal.list", json={}, timeout=10).json()
    assert [r["ID"] for r in first["result"]] != [r["ID"] for r in second["result"]]


def test_default_run_is_throttled_and_batched(clean) -> None:
    _, emulator = clean
    log = emulator.request_log
    assert not [entry for entry in log if entry.error == "QUERY_LIMIT_EXCEEDED"]
    batches = [entry for entry in log if entry.method == "batch"]
    pages = sum(entry.commands for entry in batches)
    assert batches and len(batches) * 10 <= pages  # 50 pages per request, far fewer requests


def test_raw_tables_with_ten_percent_faults_equal_a_clean_run(clean, tmp_path: Path) -> None:
    warehouse, _ = clean
    options = Bitrix24Options(fault_rate=0.1, fault_seed=3, timeout_delay_s=1.5)
    faulty = tmp_path / "wh.duckdb"
    with Bitrix24Emulator(COMPANY, options=options) as emulator:
        _load(emulator, faulty, timeout_s=1.0)
        injected = dict(emulator.faults.injected)
    assert sum(injected.values()) > 0
    for table in TABLES:
        assert _rows(faulty, table) == _rows(warehouse, table), table


def test_deleted_deal_is_flagged_after_the_next_reconciliation(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh.duckdb"
    with Bitrix24Emulator(COMPANY) as emulator:
        _load(emulator, warehouse)
        victim = int(emulator.store.visible("deal")[0]["ID"])
        emulator.delete_deal(victim)
        _load(emulator, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        flagged = con.execute(
            "select entity, id, is_deleted from raw_bitrix24.deletions"
        ).fetchall()
        still_loaded = con.execute(
            "select count(*) from raw_bitrix24.deals where id = ?", [victim]
        ).fetchone()[0]
    assert flagged == [("deal", victim, True)]
    assert still_loaded == 1  # nothing is lost: the row stays, flagged through `deletions`


def test_oauth_refreshes_on_expired_token_and_persists_the_rotation(tmp_path: Path) -> None:
    from crm_kpi.sources.common.token_store import TokenPair, TokenStore

    with Bitrix24Emulator(COMPANY) as emulator:
        o = emulator.options
        tokens = requests.get(
            f"{emulator.base_url}/oauth/token/",
            params={
                "grant_type": "authorization_code",
                "client_id": o.client_id,
                "client_secret": o.client_secret,
                "code": emulator.issue_authorization_code(),
            },
            timeout=10,
        ).json()
        store = TokenStore(tmp_path / "bitrix24_tokens.json")
        store.save(TokenPair(tokens["access_token"], tokens["refresh_token"], tokens["expires"]))
        emulator.expire_access_tokens()
        source = bitrix24_source(
            portal=emulator.portal,
            webhook_url=None,
            client_id=o.client_id,
            client_secret=o.client_secret,
            token_file=str(store.path),
            base_url=emulator.base_url,
            oauth_server=emulator.base_url,
        )
        pipeline = dlt.pipeline(
            pipeline_name="bitrix24_oauth_test",
            destination=dlt.destinations.duckdb(str(tmp_path / "wh.duckdb")),
            dataset_name="raw_bitrix24",
            pipelines_dir=str(tmp_path / "dlt"),
        )
        pipeline.run(source.with_resources("deals", "users"), loader_file_format="parquet")
        refreshed = [entry for entry in emulator.request_log if entry.method == "oauth"]
        expired = [entry for entry in emulator.request_log if entry.error == "expired_token"]
    rotated = store.load()
    assert rotated is not None and rotated.refresh_token != tokens["refresh_token"]
    assert len(refreshed) == 2 and expired  # the code exchange, then one refresh for all calls
    assert len(_rows(tmp_path / "wh.duckdb", "deals")) == len(emulator.store.visible("deal"))


def test_second_run_reads_only_changes_and_keeps_every_row(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh.duckdb"
    with Bitrix24Emulator(COMPANY) as emulator:
        first = _load(emulator, warehouse).last_trace.last_normalize_info.row_counts
        emulator.advance(days=2)
        second = _load(emulator, warehouse).last_trace.last_normalize_info.row_counts
        visible = {table: len(emulator.store.visible(table)) for table in ("deal", "activity")}
    assert 0 < second["deals"] < first["deals"]
    assert 0 < second["activities"] < first["activities"]
    assert len(_rows(warehouse, "deals")) == visible["deal"]
    assert len(_rows(warehouse, "activities")) == visible["activity"]


def test_every_resource_is_a_declared_dbt_source_with_a_merge_key() -> None:
    import yaml

    from crm_kpi.config import DBT_PROJECT_DIR

    sources_yml = DBT_PROJECT_DIR / "models" / "staging" / "bitrix24" / "_bitrix24__sources.yml"
    tables = yaml.safe_load(sources_yml.read_text())["sources"][0]["tables"]
    # dlt's own tables (the load log that gives the data horizon) are sources, not resources.
    declared = {t["name"] for t in tables if not t["name"].startswith("_dlt")}
    source = bitrix24_source(portal="p.bitrix24.ru", webhook_url="http://p/rest/1/c/")
    resources = source.resources
    assert set(resources) == declared
    for name, resource in resources.items():
        assert resource.write_disposition == "merge", name
        columns = resource.compute_table_schema()["columns"]
        keys = {column for column, hints in columns.items() if hints.get("primary_key")}
        assert "portal" in keys, name  # every row is keyed by its tenant
        assert len(keys) >= 2 or name == "portal_settings", name  # (one row per portal)
