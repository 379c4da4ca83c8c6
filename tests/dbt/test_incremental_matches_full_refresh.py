"""An incremental build after one more day of CRM changes gives the tables of a full refresh.

A small company is loaded from both emulators (dlt), one loaded lead is put into the amoCRM bin,
the project is built, one more day of changes is written into the raw schemas the way a dlt
merge leaves them (``benchmarks/changes.py``, with its deal scenarios: an updated, a reopened
and a deleted deal, a stage change, a late-arriving activity and a lead taken out of the bin),
the project is built again incrementally, and every mart and every incremental model must
equal its table after ``dbt build --full-refresh`` on the same raw data.

The amoCRM account's day arrives late: its load id is older than the Bitrix24 load the first
build already read (a load extracted before another account's and merged after it: a retry, or
an ingestion started from the UI beside a running transform). Models are compared with the
newest load they hold of the same account, so its rows still count.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import dlt
import duckdb
import pandas as pd
import pytest
from crm_kpi_emulators.amocrm import AmoCrmEmulator
from crm_kpi_emulators.bitrix24 import Bitrix24Emulator
from crm_kpi_emulators.synthetic import CompanyConfig

from benchmarks.changes import one_more_day, put_lead_in_bin
from crm_kpi.config import DBT_PROJECT_DIR
from crm_kpi.sources.amocrm import amocrm_source
from crm_kpi.sources.bitrix24 import bitrix24_source

# Three builds of the whole project: 30 minutes on a loaded 2-core machine.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

BUILD_COLUMNS = ["dbt_invocation_id"]
# The incremental build's compiled generic tests, by the YAML file of the model they test.
compiled_tests: dict[str, list[str]] = {}
COMPANY = CompanyConfig(seed=23, start_date=dt.date(2026, 3, 2), days=45, managers=3, teams=1)


def _load(warehouse: Path, work: Path, crm: str, source: object) -> None:
    pipeline = dlt.pipeline(
        pipeline_name=f"incremental_{crm}",
        destination=dlt.destinations.duckdb(str(warehouse)),
        dataset_name=f"raw_{crm}",
        pipelines_dir=str(work / "dlt"),
    )
    pipeline.run(source, loader_file_format="parquet")


def _dbt_build(warehouse: Path, work: Path, *extra: str, data_tests: bool = False) -> None:
    dbt = Path(sys.executable).with_name("dbt")
    excluded = ["unit_test"] if data_tests else ["test", "unit_test"]
    env = {**os.environ, "CRM_KPI_WAREHOUSE": str(warehouse), "DO_NOT_TRACK": "1"}
    command = [
        str(dbt), "build", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
        str(DBT_PROJECT_DIR), "--target-path", str(work / "target"), "--log-path",
        str(work / "logs"), "--exclude-resource-type", *excluded, "-q", *extra,
    ]  # fmt: skip
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def _incremental_models(work: Path) -> list[str]:
    """``schema.table`` of every incremental model of the last build (its manifest)."""
    manifest = json.loads((work / "target" / "manifest.json").read_text(encoding="utf-8"))
    return sorted(
        f"{node['schema']}.{node['alias']}"
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental"
    )


def _tables(warehouse: Path, work: Path) -> dict[str, pd.DataFrame]:
    """Every mart and every incremental model, its rows in a canonical order."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        names = [
            f"marts.{row[0]}"
            for row in connection.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'marts' order by table_name"
            ).fetchall()
        ] + _incremental_models(work)
        frames = {
            name: connection.execute('select * from "{}"."{}"'.format(*name.split(".", 1))).df()
            for name in names
        }
    # `dbt_invocation_id` records which build wrote a row, not what the row says.
    frames = {
        name: frame.drop(columns=BUILD_COLUMNS, errors="ignore") for name, frame in frames.items()
    }
    return {
        name: frame.sort_values(list(frame.columns)).reset_index(drop=True)
        for name, frame in frames.items()
    }


def _load_between(warehouse: Path, older: str, newer: str) -> str:
    """A load id between the newest load of table ``older`` and that of table ``newer``."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        low, high = (
            float(connection.execute(f"select max(_dlt_load_id) from {table}").fetchone()[0])
            for table in (older, newer)
        )
    assert low < high, "the amoCRM account must load before the Bitrix24 one"
    return f"{(low + high) / 2:.6f}"


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    """(tables after the incremental build, after a full refresh) of the same raw data.

    The incremental build runs the data tests too (on the rows it wrote: `get_where_subquery`);
    its compiled tests are kept in ``compiled_tests``.
    """
    work = tmp_path_factory.mktemp("incremental")
    warehouse = work / "wh.duckdb"
    with AmoCrmEmulator(COMPANY, token="t") as amo, Bitrix24Emulator(COMPANY) as bitrix:
        _load(warehouse, work, "amocrm", amocrm_source(
            subdomain=amo.subdomain, access_token="t", base_url=amo.base_url,
            requests_per_second=200,
        ))  # fmt: skip
        _load(warehouse, work, "bitrix24", bitrix24_source(
            portal=bitrix.portal, webhook_url=bitrix.webhook_url, requests_per_second=200,
        ))  # fmt: skip
    assert put_lead_in_bin(warehouse) is not None
    _dbt_build(warehouse, work)
    late_load = _load_between(warehouse, "raw_amocrm.leads", "raw_bitrix24.deals")
    assert (
        one_more_day(
            warehouse, share=0.05, scenarios=True, schemas=("raw_amocrm",), load_id=late_load
        )
        > 0
    )
    assert one_more_day(warehouse, share=0.05, schemas=("raw_bitrix24",)) > 0
    _dbt_build(warehouse, work, data_tests=True)
    incremental = _tables(warehouse, work)
    # A generic test compiles to target/compiled/.../<the yml file of its model>/<test>.sql.
    for path in (work / "target" / "compiled").rglob("*.yml/*.sql"):
        compiled_tests.setdefault(path.parent.name, []).append(path.read_text(encoding="utf-8"))
    _dbt_build(warehouse, work, "--full-refresh")
    return incremental, _tables(warehouse, work)


def test_incremental_data_tests_read_only_the_rows_of_their_build(
    builds: tuple[dict, dict],
) -> None:
    """Generic tests of incremental models read their build's rows; of tables, every row."""
    of_this_build = "dbt_invocation_id = '"
    fct_activities = compiled_tests.get("fct_activities.yml", [])
    dim_managers = compiled_tests.get("dim_managers.yml", [])
    assert fct_activities and dim_managers, sorted(compiled_tests)
    assert all(of_this_build in sql for sql in fct_activities)
    assert not any(of_this_build in sql for sql in dim_managers)


def test_the_same_tables_are_built(builds: tuple[dict, dict]) -> None:
    incremental, full = builds
    assert sorted(incremental) == sorted(full)
    assert any(name.startswith("marts.") for name in full), "no marts were built"
    assert {"intermediate.int_deals", "core.fct_deals", "core.fct_activities"} <= set(full)


def test_every_table_equals_its_full_refresh(builds: tuple[dict, dict]) -> None:
    incremental, full = builds
    different = []
    for table, expected in full.items():
        try:
            pd.testing.assert_frame_equal(incremental[table], expected, rtol=1e-9)
        except AssertionError as error:
            different.append(f"{table}: {error}")
    assert not different, "\n".join(different)
