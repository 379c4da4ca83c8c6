"""``make bench``: the nightly job at real-account sizes, against the bare compiled SQL.

    python -m benchmarks --shape one-account --deals 1000000 --activities 10000000
    python -m benchmarks --shape accounts --accounts 200
    python -m benchmarks --shape one-account --deals 20000 --activities 200000   # quick

Builds (once, cached) a seed warehouse by running the demo on a synthetic company of
``--seed-days`` days through the emulators and the real sources, grows its raw schemas to the
requested size (``benchmarks/scale.py``), then measures (a) the full nightly job without
ingestion (``crm-kpi run --skip ingestion``), (b) the same after one more day of changes
(``benchmarks/changes.py``), (c) the compiled model SQL run bare in one DuckDB session. Prints
wall time, peak RSS of the process tree and rows per stage, and the ratios. Never asserts.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from benchmarks.changes import one_more_day
from benchmarks.on_postgres import copy_raw
from benchmarks.process_tree import Measured, run_measured
from benchmarks.scale import DEAL_TABLES, ENTITY_TABLES, Shape, _looks_like_activity, grow
from benchmarks.stages import dbt_split, latest_build, step_seconds
from crm_kpi.warehouse import Warehouse

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _environment(work: Path, warehouse: Path, url: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    if url:  # the warehouse on PostgreSQL (--warehouse-url)
        env.update(CRM_KPI_WAREHOUSE_URL=url, **Warehouse(url=url).dbt_env())
    env.update(
        CRM_KPI_WAREHOUSE=str(warehouse),
        CRM_KPI_DATA_DIR=str(work / "data"),
        DAGSTER_HOME=str(work / "dagster"),
        CRM_KPI_DBT_TARGET_PATH=str(work / "dbt_target"),
        DO_NOT_TRACK="1",
        RUNTIME__DLTHUB_TELEMETRY="false",
        GX_ANALYTICS_ENABLED="false",
    )
    (work / "dagster").mkdir(parents=True, exist_ok=True)
    (work / "dagster" / "dagster.yaml").touch()  # the instance's defaults, without a warning
    return env


def seed_warehouse(work: Path, days: int, seed: int) -> Path:
    """The demo's warehouse for a company of ``days`` days (built once, then reused)."""
    path = work / f"seed_{days}d_{seed}" / "crm_kpi.duckdb"
    if path.exists():
        return path
    print(f"building the seed warehouse: the demo on {days} days of history ({path.parent}) ...")
    env = _environment(path.parent, path)
    command = [str(BIN / "crm-kpi"), "demo", "--days", str(days), "--seed", str(seed)]
    measured = run_measured(command, env, path.parent / "demo.log")
    if measured.returncode != 0:
        sys.exit(f"the seed demo failed; see {path.parent / 'demo.log'}")
    print(f"  seed built in {measured.seconds:.0f} s")
    return path


def raw_counts(warehouse: Path, schema: str | None = None) -> tuple[int, int]:
    """Deals and activity rows in the raw schemas (of one CRM when ``schema`` is given)."""
    deals = activities = 0
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        tables = connection.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where schema_name in ('raw_amocrm', 'raw_bitrix24')"
        ).fetchall()
        for table_schema, table in tables:
            if schema and table_schema != schema or table.startswith("_dlt"):
                continue
            names = {
                row[0]
                for row in connection.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ?",
                    [table_schema, table],
                ).fetchall()
            }
            rows = connection.execute(
                f'select count(*) from "{table_schema}"."{table}"'
            ).fetchone()[0]
            if DEAL_TABLES.get(table_schema) == table:
                deals += rows
            elif table not in ENTITY_TABLES and _looks_like_activity(names):
                activities += rows
    return deals, activities


# Placeholder settings that make every CRM "configured", so that its raw-table checks run as
# in production; nothing contacts them: ingestion (the accounts' loads and their merge) is skipped.
PLACEHOLDER_CRMS = {
    "SOURCES__AMOCRM__SUBDOMAIN": "bench",
    "SOURCES__AMOCRM__ACCESS_TOKEN": "bench",
    "SOURCES__BITRIX24__PORTAL": "bench.bitrix24.ru",
    "SOURCES__BITRIX24__WEBHOOK_URL": "http://127.0.0.1:9/rest/1/bench/",
}


def seed_inputs(seed: Path, work: Path) -> None:
    """The seed's hand-kept input CSVs, for the nightly job's inputs step to load."""
    source = seed.parent / "data" / "inputs"
    if source.is_dir():
        shutil.copytree(source, work / "data" / "inputs", dirs_exist_ok=True)


def built_rows(warehouse: Path) -> dict[str, int]:
    """Rows the transform wrote, per schema (tables only: views hold no rows)."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return dict(
            connection.execute(
                "select schema_name, sum(estimated_size)::bigint from duckdb_tables() "
                "where schema_name in ('staging', 'intermediate', 'core', 'marts') "
                "group by 1 order by 1"
            ).fetchall()
        )


def nightly(
    work: Path, warehouse: Path, label: str, url: str | None = None
) -> tuple[Measured, dict[str, float]]:
    """``crm-kpi run --skip ingestion`` on ``warehouse`` (or ``url``): measured, per stage.

    Skipping ingestion also skips ``raw/accounts_merged`` (part of that stage), which would
    rebuild the raw schemas from the accounts' staging files and so drop the grown rows.
    """
    env = {**_environment(work, warehouse, url), **PLACEHOLDER_CRMS}
    command = [str(BIN / "crm-kpi"), "run", "--skip", "ingestion"]
    measured = run_measured(command, env, work / f"{label}.log")
    if measured.returncode != 0:
        print(
            f"  {label}: the run failed (exit {measured.returncode}); see {work / f'{label}.log'}"
        )
    stages = step_seconds(work / "dagster")
    stages.update(dbt_split(work / "dbt_target"))
    return measured, stages


def bare(work: Path, raw_copy: Path, url: str | None = None) -> Measured:
    """The compiled model SQL of the last build, bare, on a fresh copy of the raw warehouse."""
    build = latest_build(work / "dbt_target")
    if build is None:
        sys.exit("no dbt build to take the compiled SQL from (the nightly run failed early)")
    module, where = ("benchmarks.on_postgres", url) if url else ("benchmarks.bare_sql", raw_copy)
    command = [sys.executable, "-m", module, str(where), str(build / "manifest.json")]
    return run_measured(command, dict(os.environ), work / "bare_sql.log")


def _gb(value: int) -> str:
    return f"{value / 2**30:.2f} GB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", choices=["one-account", "accounts"], default="one-account")
    parser.add_argument("--deals", type=int, default=20_000, help="one-account: deals to reach")
    parser.add_argument("--activities", type=int, default=200_000, help="one-account: activities")
    parser.add_argument(
        "--accounts", type=int, default=20, help="accounts shape: accounts to reach"
    )
    parser.add_argument("--crm", choices=["amocrm", "bitrix24"], default="amocrm")
    parser.add_argument("--seed-days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "bench")
    parser.add_argument("--no-incremental", action="store_true")
    parser.add_argument(
        "--warehouse-url",
        help="postgresql://user:pw@host:port/db: run against PostgreSQL (raw copied from the "
        "grown DuckDB seed; no incremental run)",
    )
    args = parser.parse_args(argv)

    seed = seed_warehouse(args.work, args.seed_days, args.seed)
    schema = f"raw_{args.crm}"
    if args.shape == "one-account":
        seed_deals, seed_activities = raw_counts(seed, schema)
        copies = max(1, math.ceil(args.deals / max(seed_deals, 1)))
        share = min(1.0, args.activities / max(seed_activities * copies, 1))
        shape = Shape("one-account", copies, crm_schema=schema, activity_share=share)
    else:
        shape = Shape("accounts", max(1, math.ceil(args.accounts / 2)))
    work = (
        args.work / f"{args.shape}_{args.deals if args.shape == 'one-account' else args.accounts}"
    )
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    warehouse = work / "crm_kpi.duckdb"
    print(f"growing the seed: {shape} ...")
    grow(seed, warehouse, shape)
    deals, activities = raw_counts(warehouse)
    print(f"  raw: {deals:,} deals, {activities:,} activity rows")
    seed_inputs(seed, work)
    raw_copy = work / "raw_only.duckdb"
    url = args.warehouse_url
    if url:
        print(f"copying the raw schemas into {Warehouse(url=url).redacted_url} ...")
        print(f"  {copy_raw(warehouse, Warehouse(url=url)):,} rows")
    else:
        shutil.copyfile(warehouse, raw_copy)

    print("(a) full nightly job without ingestion ...")
    full, full_stages = nightly(work, warehouse, "full", url)
    print("(c) the same compiled SQL, bare ...")
    reference = bare(work, raw_copy, url)
    raw_copy.unlink(missing_ok=True)
    incremental = incremental_stages = None
    if not args.no_incremental and not url:
        touched = one_more_day(warehouse)
        print(
            f"(b) incremental nightly run after one more day "
            f"({touched:,} raw rows new or updated) ..."
        )
        incremental, incremental_stages = nightly(work, warehouse, "incremental")

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    print(
        f"\nshape {args.shape}: {deals:,} deals, {activities:,} activities; "
        f"commit {commit}, {os.cpu_count()} cores, warehouse {'postgres' if url else 'duckdb'}"
    )
    print(f"{'stage':<24}{'full (s)':>10}{'incremental (s)':>17}")
    for stage in sorted(set(full_stages) | set(incremental_stages or {})):
        inc = f"{incremental_stages.get(stage, 0):.1f}" if incremental_stages else "-"
        print(f"{stage:<24}{full_stages.get(stage, 0):>10.1f}{inc:>17}")
    print(
        f"{'whole run (wall)':<24}{full.seconds:>10.1f}"
        f"{(f'{incremental.seconds:.1f}' if incremental else '-'):>17}"
    )
    print(f"{'bare SQL (wall)':<24}{reference.seconds:>10.1f}")
    if not url:
        rows = ", ".join(f"{schema} {n:,}" for schema, n in built_rows(warehouse).items())
        print(f"rows built: {rows}")
    print(
        f"peak RSS: full {_gb(full.peak_rss)}, bare {_gb(reference.peak_rss)}"
        + (f", incremental {_gb(incremental.peak_rss)}" if incremental else "")
    )
    print(f"ratio full / bare: {full.seconds / max(reference.seconds, 1e-9):.2f}")
    if incremental:
        print(f"ratio incremental / full: {incremental.seconds / max(full.seconds, 1e-9):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
