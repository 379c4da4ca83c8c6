"""The meaning of the published tables, read from the dbt docs (the manifest), never hand-copied."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from crm_kpi.serving.tables import DIMENSIONS, MARTS_SCHEMA


@dataclass(frozen=True)
class TableDoc:
    """A published table's dbt description and its columns' descriptions (in model order)."""

    name: str
    schema: str
    description: str
    columns: dict[str, str] = field(default_factory=dict)

    def as_comments(self) -> dict[str, object]:
        """The shape ``crm_kpi.serving.postgres`` writes as table and column comments."""
        return {"description": self.description, "columns": dict(self.columns)}


def load_table_docs(manifest_path: Path) -> dict[str, TableDoc]:
    """Docs of every mart and BI dimension model in a dbt ``manifest.json``; {} when absent."""
    if not manifest_path.exists():
        return {}
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    dimensions = {name for _, name in DIMENSIONS}
    docs: dict[str, TableDoc] = {}
    # Sources in the marts schema are marts written outside dbt (the win model's).
    nodes = [*manifest.get("nodes", {}).values(), *manifest.get("sources", {}).values()]
    for node in nodes:
        if node.get("resource_type") not in ("model", "source"):
            continue
        if node.get("resource_type") == "source" and node.get("schema") != MARTS_SCHEMA:
            continue
        schema = node.get("config", {}).get("schema") or node.get("schema", "")
        if schema != MARTS_SCHEMA and node["name"] not in dimensions:
            continue
        docs[node["name"]] = TableDoc(
            name=node["name"],
            schema=schema,
            description=(node.get("description") or "").strip(),
            columns={
                name: (column.get("description") or "").strip()
                for name, column in node.get("columns", {}).items()
            },
        )
    return dict(sorted(docs.items(), key=lambda item: (item[1].schema != MARTS_SCHEMA, item[0])))


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|") or "—"


def render_markdown(docs: dict[str, TableDoc]) -> str:
    """A data dictionary for BI users: one section per table, one row per column."""
    lines = [
        "# Published tables",
        "",
        "Generated from the dbt docs by `python -m crm_kpi.serving.bi_docs`; do not edit by hand.",
        "Every table below is published under the same name to the serving DuckDB file, to",
        "Parquet and CSV files, and to the PostgreSQL schema. `publish_info` lists the version",
        "and the row count of each table.",
        "",
    ]
    lines += [f"- [`{name}`](#{name})" for name in docs]
    for name, doc in docs.items():
        lines += ["", f"## {name}", "", _cell(doc.description), ""]
        if doc.columns:
            lines += ["| column | meaning |", "| --- | --- |"]
            lines += [f"| `{column}` | {_cell(text)} |" for column, text in doc.columns.items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m crm_kpi.serving.bi_docs [OUTPUT] [--manifest PATH]``: write the dictionary."""
    import argparse

    from crm_kpi.config import PROJECT_ROOT

    parser = argparse.ArgumentParser(
        prog="python -m crm_kpi.serving.bi_docs", description=main.__doc__
    )
    parser.add_argument(
        "output", nargs="?", type=Path, default=PROJECT_ROOT / "docs" / "bi" / "published_tables.md"
    )
    parser.add_argument(
        "--manifest", type=Path, help="a dbt manifest.json (default: the project's)"
    )
    args = parser.parse_args(argv)
    if args.manifest is None:
        from crm_kpi.orchestration.defs.dbt.dbt_models import dbt_project

        args.manifest = dbt_project().manifest_path
    docs = load_table_docs(args.manifest)
    if not docs:
        print(f"no mart models in {args.manifest}: run `dbt parse` first")
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render_markdown(docs), encoding="utf-8")
    print(f"wrote {args.output} ({len(docs)} tables)")
    return 0
