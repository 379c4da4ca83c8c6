"""Where a successful run published the marts, per account (for the run summary)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import duckdb
from dagster import AssetKey, ExecuteInProcessResult


def _metadata(result: ExecuteInProcessResult, key: AssetKey) -> dict[str, Any] | None:
    for event in result.get_asset_materialization_events():
        materialization = event.step_materialization_data.materialization
        if materialization.asset_key == key:
            return {name: value.value for name, value in materialization.metadata.items()}
    return None


def account_rows(snapshot: Path) -> dict[str, tuple[str, int, int]]:
    """``{account_key: (title, rows, tables)}`` over the published tables of ``snapshot``."""
    rows: dict[str, int] = defaultdict(int)
    tables: dict[str, int] = defaultdict(int)
    names: dict[str, str] = {}
    with duckdb.connect(str(snapshot), read_only=True) as connection:
        with_key = [
            name
            for (name,) in connection.execute(
                "select table_name from information_schema.columns"
                " where column_name = 'account_key' and table_schema = 'main' order by 1"
            ).fetchall()
        ]
        for table in with_key:
            counts = connection.execute(
                f'select account_key, count(*) from main."{table}" group by 1'
            ).fetchall()
            for account, count in counts:
                rows[str(account)] += int(count)
                tables[str(account)] += 1
        if "dim_accounts" in with_key:
            names = {
                str(key): f"{name} ({crm})"
                for key, name, crm in connection.execute(
                    "select account_key, account_name, crm from main.dim_accounts"
                ).fetchall()
            }
    return {key: (names.get(key, key), rows[key], tables[key]) for key in sorted(rows)}


def published_lines(result: ExecuteInProcessResult) -> list[str]:
    """What went where: snapshot, files, PostgreSQL, report, digest; rows per account."""
    from crm_kpi.orchestration.defs.serving.serving_assets import (
        DIGEST_KEY,
        POSTGRES_KEY,
        REPORT_KEY,
        SNAPSHOT_KEY,
    )

    lines = []
    snapshot = _metadata(result, SNAPSHOT_KEY)
    if snapshot is not None:
        lines.append(f"snapshot (DuckDB, read-only): {snapshot['snapshot']}")
        lines.append(f"Parquet/CSV files: {snapshot['files']}")
        for key, (title, rows, tables) in account_rows(Path(str(snapshot["snapshot"]))).items():
            lines.append(f"  account {key} — {title}: {rows} rows in {tables} tables")
        for account, reason in (snapshot.get("withheld_accounts") or {}).items():
            lines.append(f"  account {account}: NOT published, a blocking check failed: {reason}")
    postgres = _metadata(result, POSTGRES_KEY)
    if postgres is not None:
        where = (
            f"schema {postgres['schema']} of database {postgres['database']}"
            if postgres.get("published")
            else postgres.get("reason", "skipped")
        )
        lines.append(f"PostgreSQL: {where}")
    report = _metadata(result, REPORT_KEY)
    if report is not None:
        for path in report.get("reports") or [report["path"]]:
            lines.append(f"HTML report: {path}")
    digest = _metadata(result, DIGEST_KEY)
    if digest is not None:
        sent = f"{digest['recipients']} recipients via {digest['smtp']}"
        lines.append(f"e-mail digest: sent to {sent}")
    return lines
