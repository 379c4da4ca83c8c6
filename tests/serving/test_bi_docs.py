"""BI on-ramps: the .pbids file and the data dictionary generated from the dbt docs."""

from __future__ import annotations

import json
from pathlib import Path

from crm_kpi.serving.dbt_docs import load_table_docs, render_markdown
from crm_kpi.serving.pbids import pbids_document, write_pbids

MANIFEST = {
    "nodes": {
        "model.crm_kpi.mart_b": {
            "resource_type": "model",
            "name": "mart_b",
            "schema": "marts",
            "config": {"schema": "marts"},
            "description": "Grain: one row per | thing.",
            "columns": {"revenue": {"description": "**Revenue**: sum of won amounts."}},
        },
        "model.crm_kpi.dim_managers": {
            "resource_type": "model",
            "name": "dim_managers",
            "config": {"schema": "core"},
            "description": "Managers.",
            "columns": {"manager_name": {"description": ""}},
        },
        "model.crm_kpi.fct_deals": {
            "resource_type": "model",
            "name": "fct_deals",
            "config": {"schema": "core"},
            "description": "Not published.",
            "columns": {},
        },
        "test.crm_kpi.unique_x": {"resource_type": "test", "name": "unique_x"},
    }
}


def test_docs_come_from_the_manifest_for_published_tables_only(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(MANIFEST), encoding="utf-8")
    docs = load_table_docs(path)
    assert list(docs) == ["mart_b", "dim_managers"]
    assert docs["mart_b"].columns == {"revenue": "**Revenue**: sum of won amounts."}
    text = render_markdown(docs)
    assert "## mart_b" in text and "| `revenue` | **Revenue**: sum of won amounts. |" in text
    assert "one row per \\| thing" in text  # pipes escaped for the markdown table
    assert "| `manager_name` | — |" in text
    assert "fct_deals" not in text


def test_missing_manifest_gives_no_docs(tmp_path: Path) -> None:
    assert load_table_docs(tmp_path / "nope.json") == {}


def test_pbids_points_at_server_and_database_without_credentials(tmp_path: Path) -> None:
    document = pbids_document("postgresql://loader:secret@db.example.com:6432/sales")
    details = document["connections"][0]["details"]
    assert details == {
        "protocol": "postgresql",
        "address": {"server": "db.example.com:6432", "database": "sales"},
    }
    path = write_pbids(
        "host=/var/run/postgresql dbname=kpi user=x password=y", tmp_path / "a.pbids"
    )
    text = path.read_text(encoding="utf-8")
    assert "secret" not in text and "password" not in text
    assert json.loads(text)["connections"][0]["details"]["address"] == {
        "server": "localhost",
        "database": "kpi",
    }


def test_bi_docs_command_writes_the_dictionary(tmp_path: Path, capsys) -> None:
    from crm_kpi.serving.dbt_docs import main

    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(MANIFEST), encoding="utf-8")
    output = tmp_path / "docs" / "published_tables.md"
    assert main([str(output), "--manifest", str(manifest)]) == 0
    assert "## dim_managers" in output.read_text(encoding="utf-8")
    assert "2 tables" in capsys.readouterr().out
    assert main([str(output), "--manifest", str(tmp_path / "missing.json")]) == 1
