"""``make bench``: the nightly job at real-account sizes, against the bare compiled SQL.

    python -m benchmarks --shape one-account --deals 1000000 --activities 10000000
    python -m benchmarks --shape accounts --accounts 200
    python -m benchmarks --shape one-account --deals 20000 --activities 200000   # quick
    python -m benchmarks --deals 1000000 --activities 10000000 --only bare  # one part

Builds (once, cached) a seed warehouse by running the demo on a synthetic company of
``--seed-days`` days through the emulators and the real sources, grows its raw schemas to the
requested size (``benchmarks/scale.py``; kept as ``raw.duckdb`` and reused while the size is
the same), then measures (a) the full nightly job without ingestion (``crm-kpi run --skip
ingestion``), (b) the same after one more day of changes (``benchmarks/changes.py``), (c) the
compiled model SQL run bare in one DuckDB session. ``--only`` runs some parts (each part's
result is kept, so parts run one at a time print in one table). Prints wall time, peak RSS of
the process tree and rows per stage, and the ratios. Never asserts.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import duckdb

from benchmarks.changes import one_more_day
from benchmarks.on_postgres import copy_raw
from benchmarks.process_tree import run_measured
from benchmarks.report import PartResult, print_report
from benchmarks.scale import (
    DEAL_TABLES,
    ENTITY_TABLES,
    Shape,
    _looks_like_activity,
    history_rows,
)
from benchmarks.stages import dbt_split, latest_build, run_stages
from crm_kpi.config import DBT_PROJECT_DIR
from crm_kpi.warehouse import Warehouse

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# DuckDB's memory limit for dbt (profiles.yml's default) and for the bare SQL.
DEFAULT_MEMORY_LIMIT = "1GB"
# One more day of changes: ~0.3 % of the raw rows new or updated (issue #11).
CHANGED_SHARE = 0.003


def _environment(
    work: Path, warehouse: Path, url: str | None = None, memory_limit: str | None = None
) -> dict[str, str]:
    env = dict(os.environ)
    if memory_limit:  # dbt's DuckDB (profiles.yml)
        env["CRM_KPI_DUCKDB_MEMORY_LIMIT"] = memory_limit
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
    # The instance's defaults, without a warning, and without Dagster's telemetry banner.
    (work / "dagster" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
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
    "raw_amocrm": {
        "SOURCES__AMOCRM__SUBDOMAIN": "bench",
        "SOURCES__AMOCRM__ACCESS_TOKEN": "bench",
    },
    "raw_bitrix24": {
        "SOURCES__BITRIX24__PORTAL": "bench.bitrix24.ru",
        "SOURCES__BITRIX24__WEBHOOK_URL": "http://127.0.0.1:9/rest/1/bench/",
    },
}


def placeholder_crms(warehouse: Path | None) -> dict[str, str]:
    """The placeholders of the CRMs whose raw schema ``warehouse`` holds (every CRM when None).

    A grown one-account warehouse holds one CRM: configuring the other would fail its raw checks.
    """
    schemas = set(PLACEHOLDER_CRMS)
    if warehouse is not None:
        with duckdb.connect(str(warehouse), read_only=True) as connection:
            schemas &= {
                row[0]
                for row in connection.execute("select schema_name from duckdb_tables()").fetchall()
            }
    return {
        key: value for schema in sorted(schemas) for key, value in PLACEHOLDER_CRMS[schema].items()
    }


def fresh_copy(source: Path, target: Path) -> None:
    """``target`` as a copy of the DuckDB file ``source``, without a stale WAL or spill folder.

    A ``.wal`` left by an interrupted run would be replayed onto the new copy and corrupt it.
    """
    for leftover in (target, target.with_name(target.name + ".wal")):
        leftover.unlink(missing_ok=True)
    shutil.rmtree(target.with_name(target.name + ".tmp"), ignore_errors=True)
    shutil.copyfile(source, target)


def seed_inputs(seed: Path, work: Path) -> None:
    """The seed's hand-kept input CSVs, for the nightly job's inputs step to load."""
    source = seed.parent / "data" / "inputs"
    if source.is_dir():
        shutil.copytree(source, work / "data" / "inputs", dirs_exist_ok=True)


def built_rows(warehouse: Path) -> int:
    """Rows the transform wrote (tables of the model schemas: views hold no rows)."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        (rows,) = connection.execute(
            "select coalesce(sum(estimated_size), 0)::bigint from duckdb_tables() "
            "where schema_name in ('staging', 'intermediate', 'core', 'marts')"
        ).fetchone()
    return int(rows)


def grown_raw(seed: Path, work: Path, shape: Shape, regrow: bool) -> tuple[Path, int, int]:
    """``work/raw.duckdb``: the seed grown to ``shape`` (reused when grown to it before)."""
    raw, marker = work / "raw.duckdb", work / "grown.json"
    wanted = json.dumps(asdict(shape))
    if not regrow and raw.exists() and marker.exists():
        grown = json.loads(marker.read_text())
        if grown["shape"] == wanted:
            print(f"reusing the grown raw warehouse {raw} ({grown['seconds']:.0f} s to grow)")
            return raw, grown["deals"], grown["activities"]
    print(f"growing the seed: {shape} ...")
    marker.unlink(missing_ok=True)
    measured = run_measured(
        [sys.executable, "-m", "benchmarks.scale", str(seed), str(raw), wanted], os.environ,
        work / "grow.log",
    )  # fmt: skip
    if measured.returncode != 0:
        sys.exit(f"growing failed; see {work / 'grow.log'}")
    deals, activities = raw_counts(raw)
    print(f"  grown in {measured.seconds:.0f} s, peak RSS {measured.peak_rss / 2**30:.2f} GB")
    marker.write_text(
        json.dumps(
            {"shape": wanted, "deals": deals, "activities": activities, "seconds": measured.seconds}
        )
    )
    return raw, deals, activities


def nightly(work: Path, label: str, url: str | None, memory_limit: str | None) -> PartResult:
    """``crm-kpi run --skip ingestion`` on ``work/crm_kpi.duckdb`` (or ``url``), per stage,
    after an untimed ``crm-kpi prepare`` (the dbt manifest for this warehouse).

    Skipping ingestion also skips ``raw/accounts_merged`` (part of that stage), which would
    rebuild the raw schemas from the accounts' staging files and so drop the grown rows.
    """
    warehouse = work / "crm_kpi.duckdb"
    crms = placeholder_crms(None if url else warehouse)
    env = {**_environment(work, warehouse, url, memory_limit), **crms}
    # Untimed: the dbt manifest, as `crm-kpi prepare` makes it at install; a production
    # warehouse keeps it from night to night, so a nightly run does not parse the project.
    prepared = subprocess.run(
        [str(BIN / "crm-kpi"), "prepare"], env=env, capture_output=True, text=True
    )
    if prepared.returncode != 0:
        sys.exit(f"crm-kpi prepare failed:\n{prepared.stdout}{prepared.stderr}")
    command = [str(BIN / "crm-kpi"), "run", "--skip", "ingestion"]
    measured = run_measured(command, env, work / f"{label}.log")
    if measured.returncode != 0:
        print(f"  {label}: the run failed (exit {measured.returncode}); see {work / label}.log")
    stages = run_stages(work / "dagster")
    stages.update(dbt_split(work / "dbt_target", DBT_PROJECT_DIR / "target"))
    result = PartResult.of(measured, stages, None if url else built_rows(warehouse))
    result.save(work, label)
    return result


def full_run(work: Path, raw: Path, url: str | None, memory_limit: str | None) -> PartResult:
    """(a) The nightly job on the raw schemas alone (every model built from scratch)."""
    for built in ("dagster", "dbt_target", "crm_kpi.duckdb.tmp"):
        shutil.rmtree(work / built, ignore_errors=True)
    (work / "results_incremental.json").unlink(missing_ok=True)  # it followed another full run
    if url:
        print(f"copying the raw schemas into {Warehouse(url=url).redacted_url} ...")
        print(f"  {copy_raw(raw, Warehouse(url=url)):,} rows")
    else:
        fresh_copy(raw, work / "crm_kpi.duckdb")
    print("(a) full nightly job without ingestion ...")
    return nightly(work, "full", url, memory_limit)


def incremental_run(
    work: Path, memory_limit: str | None, share: float = CHANGED_SHARE
) -> PartResult | None:
    """(b) The nightly job after one more day of changes, on the full run's warehouse.

    ``share``: of the raw rows, half updated and as many added (0: a night with no changes,
    which measures what a night costs whatever changed).
    """
    if PartResult.load(work, "full") is None or not (work / "crm_kpi.duckdb").exists():
        print("(b) skipped: it follows a full run (--only full first)")
        return None
    touched = one_more_day(work / "crm_kpi.duckdb", share=share)
    print(f"(b) incremental nightly run after one more day ({touched:,} raw rows touched) ...")
    return nightly(work, "incremental", None, memory_limit)


def bare_run(work: Path, raw: Path, url: str | None, memory_limit: str | None) -> PartResult:
    """(c) The compiled model SQL, bare, in one session on a fresh copy of the raw schemas.

    On DuckDB the SQL is compiled (``dbt compile``) on that copy, so every incremental model
    compiles as its first build, whatever ran before; DuckDB gets the dbt profile's memory
    limit. On PostgreSQL it is the full run's compiled SQL.
    """
    print("(c) the compiled model SQL, bare ...")
    if url:
        build = latest_build(work / "dbt_target", DBT_PROJECT_DIR / "target")
        if build is None:
            sys.exit("no dbt build to take the compiled SQL from: run --only full first")
        command = [sys.executable, "-m", "benchmarks.on_postgres", url]
        command.append(str(build / "manifest.json"))
    else:
        copy, target = work / "bare.duckdb", work / "bare_target"
        fresh_copy(raw, copy)
        env = _environment(work, copy, None, memory_limit)
        compiled = subprocess.run(
            [str(BIN / "dbt"), "--quiet", "compile", "--target-path", str(target)],
            cwd=DBT_PROJECT_DIR, env=env,
            capture_output=True, text=True,
        )  # fmt: skip
        if compiled.returncode != 0:
            sys.exit(f"dbt compile failed:\n{compiled.stdout}{compiled.stderr}")
        command = [sys.executable, "-m", "benchmarks.bare_sql", str(copy)]
        command += [str(target / "manifest.json"), "--memory-limit", memory_limit or ""]
    measured = run_measured(command, dict(os.environ), work / "bare_sql.log")
    rows = None
    if not url:
        rows = built_rows(work / "bare.duckdb")
        if measured.returncode == 0:
            (work / "bare.duckdb").unlink()
            shutil.rmtree(work / "bare.duckdb.tmp", ignore_errors=True)
        else:  # kept, to look at what failed
            print(f"  the bare SQL failed; see {work / 'bare_sql.log'}, {work / 'bare.duckdb'}")
    result = PartResult.of(measured, {}, rows)
    result.save(work, "bare")
    return result


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
    parser.add_argument(
        "--only", action="append", choices=["full", "bare", "incremental"],
        help="run only this part (repeatable); the others' last results are printed too",
    )  # fmt: skip
    parser.add_argument("--no-incremental", action="store_true")
    parser.add_argument(
        "--changed-share", type=float, default=CHANGED_SHARE,
        help="incremental: share of the raw rows one more day updates and adds (0: no changes)",
    )  # fmt: skip
    parser.add_argument("--regrow", action="store_true", help="grow the raw schemas again")
    parser.add_argument(
        "--memory-limit", default=DEFAULT_MEMORY_LIMIT,
        help="DuckDB memory_limit of dbt (CRM_KPI_DUCKDB_MEMORY_LIMIT) and of the bare SQL",
    )  # fmt: skip
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
        # The first copy keeps all the seed's activities; the others their deals' history
        # rows and a share of the rest.
        history = history_rows(seed, schema)
        extra = args.activities - seed_activities - history * (copies - 1)
        sampled = (seed_activities - history) * (copies - 1)
        share = min(1.0, max(0.0, extra / max(sampled, 1)))
        shape = Shape("one-account", copies, crm_schema=schema, activity_share=share)
    else:
        shape = Shape("accounts", max(1, math.ceil(args.accounts / 2)))
    size = args.deals if args.shape == "one-account" else args.accounts
    work = args.work / f"{args.shape}_{size}"
    work.mkdir(parents=True, exist_ok=True)
    raw, deals, activities = grown_raw(seed, work, shape, args.regrow)
    print(f"  raw: {deals:,} deals, {activities:,} activity rows")
    seed_inputs(seed, work)
    url, limit = args.warehouse_url, args.memory_limit
    parts = args.only or ["full", "bare", *([] if args.no_incremental or url else ["incremental"])]
    if "full" in parts:
        full_run(work, raw, url, limit)
    if "bare" in parts:
        bare_run(work, raw, url, limit)
    if "incremental" in parts and not url:
        incremental_run(work, limit, args.changed_share)
    print_report(
        f"shape {args.shape}: {deals:,} deals, {activities:,} activities; warehouse "
        f"{'postgres' if url else 'duckdb'}, DuckDB memory limit {limit or 'none'}",
        work,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
