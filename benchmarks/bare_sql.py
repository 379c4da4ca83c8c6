"""The reference: the dbt project's compiled model SQL, run bare in one DuckDB session.

    python -m benchmarks.bare_sql WAREHOUSE MANIFEST [--memory-limit 1GB]

Reads ``manifest.json`` after ``dbt compile``, creates every model (view or table, as
materialized; incremental models as tables) in dependency order, and prints one line per model
and the total. No data tests, no Dagster, no dbt: the floor the nightly job is compared with.
DuckDB runs with the settings of the dbt profile (``memory_limit``, no insertion order).
"""

from __future__ import annotations

import argparse
import json
import time
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb


def model_order(manifest: dict) -> list[dict]:
    """Non-ephemeral models of the manifest in an order that respects their dependencies."""
    nodes = {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["config"]["materialized"] != "ephemeral"
    }
    graph = {
        uid: [d for d in node["depends_on"]["nodes"] if d in nodes] for uid, node in nodes.items()
    }
    return [nodes[uid] for uid in TopologicalSorter(graph).static_order()]


def create_statement(node: dict) -> str:
    """``create or replace view|table <relation> as <compiled select>``."""
    kind = "view" if node["config"]["materialized"] == "view" else "table"
    return f"create or replace {kind} {node['relation_name']} as {node['compiled_code']}"


def run(warehouse: Path, manifest_path: Path, memory_limit: str = "") -> float:
    """Build every model in ``warehouse``; return the total seconds."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    timings: list[tuple[float, str]] = []
    config: dict[str, str | bool] = {"preserve_insertion_order": False}
    if memory_limit:
        config["memory_limit"] = memory_limit
    failed: set[str] = set()
    with duckdb.connect(str(warehouse), config=config) as connection:
        database = connection.execute("select current_database()").fetchone()[0]
        for node in model_order(manifest):
            if failed & set(node["depends_on"]["nodes"]):
                failed.add(node["unique_id"])
                print(f"  skipped {node['name']}: an upstream model failed", flush=True)
                continue
            connection.execute(f'create schema if not exists "{node["schema"]}"')
            statement = create_statement(node).replace(f'"{node["database"]}".', f'"{database}".')
            started = time.perf_counter()
            try:
                connection.execute(statement)
            except duckdb.Error as error:  # measure the rest; report the failure
                failed.add(node["unique_id"])
                first_line = str(error).splitlines()[0]
                print(f"  FAILED {node['name']} after {time.perf_counter() - started:.2f} s: "
                      f"{first_line}", flush=True)  # fmt: skip
                continue
            timings.append((time.perf_counter() - started, node["name"]))
            # Progress: one line per model as it finishes (a run at 10M takes long).
            print(f"  [{len(timings)}] {node['name']} {timings[-1][0]:.2f} s", flush=True)
    total = sum(seconds for seconds, _ in timings)
    for seconds, name in sorted(timings, reverse=True)[:8]:
        print(f"  {name:<40} {seconds:8.2f} s")
    print(f"bare SQL total: {total:.2f} s over {len(timings)} models")
    if failed:
        print(f"bare SQL: {len(failed)} models failed or were skipped")
        raise SystemExit(1)
    return total


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bare_sql")
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("manifest", type=Path)
    parser.add_argument("--memory-limit", default="", help="DuckDB memory_limit (none: default)")
    args = parser.parse_args()
    run(args.warehouse, args.manifest, args.memory_limit)
