"""The reference: the dbt project's compiled model SQL, run bare in one DuckDB session.

    python -m benchmarks.bare_sql WAREHOUSE MANIFEST

Reads ``manifest.json`` after ``dbt compile``, creates every model (view or table, as
materialized; incremental models as tables) in dependency order, and prints one line per model
and the total. No data tests, no Dagster, no dbt: the floor the nightly job is compared with.
"""

from __future__ import annotations

import json
import sys
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


def run(warehouse: Path, manifest_path: Path) -> float:
    """Build every model in ``warehouse``; return the total seconds."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    timings: list[tuple[float, str]] = []
    with duckdb.connect(str(warehouse)) as connection:
        database = connection.execute("select current_database()").fetchone()[0]
        for node in model_order(manifest):
            connection.execute(f'create schema if not exists "{node["schema"]}"')
            statement = create_statement(node).replace(f'"{node["database"]}".', f'"{database}".')
            started = time.perf_counter()
            connection.execute(statement)
            timings.append((time.perf_counter() - started, node["name"]))
    total = sum(seconds for seconds, _ in timings)
    for seconds, name in sorted(timings, reverse=True)[:8]:
        print(f"  {name:<40} {seconds:8.2f} s")
    print(f"bare SQL total: {total:.2f} s over {len(timings)} models")
    return total


if __name__ == "__main__":
    run(Path(sys.argv[1]), Path(sys.argv[2]))
