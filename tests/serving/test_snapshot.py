"""The published snapshot is complete, generic, and swapped in atomically."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest
from serving_fixtures import make_warehouse

from crm_kpi.serving.snapshot import (
    NothingToPublish,
    current_files_dir,
    publish_snapshot,
    snapshot_path,
)

READER = r"""
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
query = "select distinct account_key from mart_manager_monthly"
print("before", con.execute(query).fetchall()[0][0], flush=True)
sys.stdin.readline()  # the test publishes a new snapshot meanwhile
rows = con.execute("select count(*) from mart_manager_daily").fetchone()[0]
print("held", con.execute(query).fetchall()[0][0], rows, flush=True)
con.close()
con = duckdb.connect(sys.argv[1], read_only=True)
print("after", con.execute(query).fetchall()[0][0], flush=True)
"""


def test_publishes_every_mart_and_the_bi_dimensions_only(small_warehouse: Path, tmp_path: Path):
    result = publish_snapshot(small_warehouse, tmp_path / "serving")
    expected = {
        "mart_funnel_stages",
        "mart_kpi_alerts",
        "mart_manager_daily",
        "mart_manager_monthly",
        "mart_plan_vs_fact",
        "dim_managers",
        "dim_pipeline_stages",
        "dim_dates",
    }
    assert set(result.row_counts) == expected
    with duckdb.connect(str(snapshot_path(tmp_path / "serving")), read_only=True) as con:
        tables = {row[0] for row in con.execute("show tables").fetchall()}
        assert tables == expected | {"publish_info"}
        assert con.execute("select count(*) from dim_managers").fetchone()[0] == 3
    files = current_files_dir(tmp_path / "serving")
    manifest = json.loads((files / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["tables"] == result.row_counts
    for name, rows in result.row_counts.items():
        assert (files / "parquet" / f"{name}.parquet").exists()
        csv = (files / "csv" / f"{name}.csv").read_text(encoding="utf-8")
        assert len(csv.splitlines()) == rows + 1  # header row
    assert "Анна Смирнова" in (files / "csv" / "dim_managers.csv").read_text(encoding="utf-8")


def test_a_reader_holding_the_old_snapshot_keeps_working_then_sees_the_new(tmp_path: Path):
    warehouse = make_warehouse(tmp_path / "wh.duckdb", generation=1)
    serving = tmp_path / "serving"
    publish_snapshot(warehouse, serving)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(snapshot_path(serving))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().split() == ["before", "amocrm:1"]
        make_warehouse(warehouse, generation=2)
        publish_snapshot(warehouse, serving)
        out, err = reader.communicate("go\n", timeout=60)
    finally:
        reader.kill()
    assert reader.returncode == 0, err
    held, after = out.splitlines()
    assert held.split() == ["held", "amocrm:1", "276"]
    assert after.split() == ["after", "amocrm:2"]


def _read_file_set(serving: Path) -> tuple[str, set[str], set[str]]:
    """One reader's view of the file set: its version, the tables it holds and their generations."""
    version_dir = current_files_dir(serving).resolve()  # resolve once, then read that version
    manifest = json.loads((version_dir / "manifest.json").read_text(encoding="utf-8"))
    generations = set()
    with duckdb.connect() as con:
        for name in manifest["tables"]:
            if name.startswith("mart_"):
                rows = con.execute(
                    "select distinct account_key from read_parquet(?)",
                    [str(version_dir / "parquet" / f"{name}.parquet")],
                ).fetchall()
                generations |= {row[0] for row in rows}
                rows = con.execute(
                    "select distinct account_key from read_csv(?, header = true)",
                    [str(version_dir / "csv" / f"{name}.csv")],
                ).fetchall()
                generations |= {row[0] for row in rows}
    tables = {p.stem for p in (version_dir / "parquet").iterdir()}
    return manifest["version"], set(manifest["tables"]), generations | {f"tables:{len(tables)}"}


def test_readers_never_see_a_partial_or_mixed_set(tmp_path: Path):
    warehouse = make_warehouse(tmp_path / "wh.duckdb", generation=1)
    serving = tmp_path / "serving"
    publish_snapshot(warehouse, serving)
    views: list[tuple[str, set[str], set[str]]] = []
    db_views: list[set[str]] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def read_until_done() -> None:
        try:
            while not done.is_set():
                views.append(_read_file_set(serving))
                with duckdb.connect(str(snapshot_path(serving)), read_only=True) as con:
                    seen = set()
                    for (name,) in con.execute(
                        "select table_name from publish_info where table_name like 'mart_%'"
                    ).fetchall():
                        seen |= {
                            r[0]
                            for r in con.execute(
                                f'select distinct account_key from "{name}"'
                            ).fetchall()
                        }
                    db_views.append(seen)
        except BaseException as error:  # surfaced in the main thread below
            errors.append(error)

    reader = threading.Thread(target=read_until_done)
    reader.start()
    for generation in (2, 3, 4):
        make_warehouse(warehouse, generation=generation)
        publish_snapshot(warehouse, serving, keep_versions=2)
    done.set()
    reader.join(timeout=60)
    assert not errors, errors
    assert views and db_views
    for _version, tables, generations in views:
        assert len(tables) == 8
        assert len(generations - {"tables:8"}) == 1, generations  # one generation per set
        assert "tables:8" in generations
    assert all(len(seen) == 1 for seen in db_views), db_views
    assert _read_file_set(serving)[2] == {"amocrm:4", "tables:8"}
    assert len(list((serving / "files" / "versions").iterdir())) == 2  # older versions pruned


def test_nothing_published_and_the_old_snapshot_kept_when_the_warehouse_has_no_marts(
    small_warehouse: Path, tmp_path: Path
):
    serving = tmp_path / "serving"
    first = publish_snapshot(small_warehouse, serving)
    with duckdb.connect(str(small_warehouse)) as con:
        con.execute("drop schema marts cascade")
    with pytest.raises(NothingToPublish, match="no tables in schema 'marts'"):
        publish_snapshot(small_warehouse, serving)
    assert current_files_dir(serving).resolve().name == first.version
    with duckdb.connect(str(snapshot_path(serving)), read_only=True) as con:
        assert con.execute("select count(*) from mart_manager_monthly").fetchone()[0] == 9
    leftovers = [p.name for p in serving.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_a_missing_warehouse_is_a_clear_error(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        publish_snapshot(tmp_path / "nope.duckdb", tmp_path / "serving")


def test_leftovers_of_an_interrupted_publish_are_removed_by_the_next(tmp_path: Path):
    warehouse = make_warehouse(tmp_path / "wh.duckdb", generation=1)
    serving = tmp_path / "serving"
    publish_snapshot(warehouse, serving)
    # what a publish killed with SIGKILL leaves behind
    killed = serving / ".crm_kpi.duckdb.20260101T000000000000Z.tmp"
    killed.write_bytes(b"half a database")
    Path(f"{killed}.wal").write_bytes(b"half a wal")
    half_dir = serving / "files" / "versions" / "20260101T000000000000Z.tmp"
    (half_dir / "parquet").mkdir(parents=True)
    publish_snapshot(warehouse, serving)
    assert not list(serving.glob(".*.tmp*"))
    assert not half_dir.exists()
    assert not list((serving / "files" / "versions").glob("*.tmp"))
