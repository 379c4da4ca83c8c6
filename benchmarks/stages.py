"""Where the time of one nightly run went: Dagster step stats and dbt's run results.

Each stage gets its wall seconds, the time windows it ran in (to read its peak RSS from the
process-tree samples, ``Measured.peak_between``) and the rows it wrote or checked, from the
metadata the run recorded (``dagster/row_count`` of the tables dbt built, ``rows_loaded`` of
the inputs, ``rows`` of each GX check).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

# Step keys of the nightly job, by stage (first match wins: the checks of the inputs' tables,
# ``raw_inputs__sales_plan_gx_sales_plan``, are quality checks).
STAGE_OF_STEP = (
    ("_gx_", "quality checks"),
    ("_columns_", "quality checks"),
    ("check", "quality checks"),
    ("quality", "quality checks"),
    ("dlt_", "ingestion"),
    ("accounts_merged", "ingestion"),
    ("inputs", "inputs"),
    ("dbt", "dbt (models + tests)"),
    ("win_model", "win model"),
    ("report", "report"),
    ("digest", "report"),
    ("gate", "report"),
)
# Metadata entries that count rows a step wrote or checked.
ROW_METADATA = ("dagster/row_count", "rows_loaded", "rows")


@dataclass
class Stage:
    """One stage of a run: wall seconds, the windows it ran in (epoch seconds), its rows."""

    seconds: float = 0.0
    windows: list[tuple[float, float]] = field(default_factory=list)
    rows: int | None = None

    def add_rows(self, rows: int) -> None:
        """Count ``rows`` more for this stage."""
        self.rows = (self.rows or 0) + rows


def stage_of(step_key: str) -> str:
    """The stage a Dagster step belongs to (``publish`` for the serving steps)."""
    for fragment, stage in STAGE_OF_STEP:
        if fragment in step_key:
            return stage
    return "publish"


def _row_metadata(event: object) -> int:
    """Rows recorded in one materialization's or check evaluation's metadata."""
    data = getattr(event, "event_specific_data", None)
    metadata = getattr(getattr(data, "materialization", None) or data, "metadata", None) or {}
    for key in ROW_METADATA:
        value = getattr(metadata.get(key), "value", None)
        if isinstance(value, int):
            return value
    return 0


def run_stages(dagster_home: Path) -> dict[str, Stage]:
    """Seconds, windows and rows per stage of the latest run recorded in ``dagster_home``."""
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    from dagster import DagsterInstance

    stages: dict[str, Stage] = defaultdict(Stage)
    with DagsterInstance.get() as instance:
        runs = instance.get_runs(limit=1)
        if not runs:
            return {}
        for stats in instance.get_run_step_stats(runs[0].run_id):
            if stats.start_time and stats.end_time:
                stage = stages[stage_of(stats.step_key)]
                stage.seconds += stats.end_time - stats.start_time
                stage.windows.append((stats.start_time, stats.end_time))
        for record in instance.all_logs(runs[0].run_id):
            event = record.dagster_event
            if event is None or event.event_type_value not in (
                "ASSET_MATERIALIZATION",
                "ASSET_CHECK_EVALUATION",
            ):
                continue
            rows = _row_metadata(event)
            if rows and event.step_key:
                stages[stage_of(event.step_key)].add_rows(rows)
    return dict(stages)


def latest_build(*target_paths: Path) -> Path | None:
    """The folder of the newest dbt invocation under ``target_paths`` (dagster-dbt gives each
    run its own, under the configured target path or, for the build step, the project's own
    ``target/``)."""
    candidates = [path for target in target_paths for path in target.glob("*/run_results.json")]
    runs = sorted(candidates, key=lambda path: path.stat().st_mtime)
    return runs[-1].parent if runs else None


def _epoch(timestamp: str) -> float:
    moment = dt.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).timestamp()


def dbt_split(*target_paths: Path) -> dict[str, Stage]:
    """dbt's own execution seconds, windows and rows of models and of data tests.

    Seconds are summed over nodes (with several threads, more than the step's wall time);
    a model's rows are its ``rows_affected`` where the adapter reports them.
    """
    build = latest_build(*target_paths)
    if build is None:
        return {}
    results = json.loads((build / "run_results.json").read_text(encoding="utf-8"))["results"]
    split: dict[str, Stage] = defaultdict(Stage)
    for result in results:
        kind = result["unique_id"].split(".")[0]
        stage = split[{"model": "dbt models", "test": "dbt tests"}.get(kind, "dbt other")]
        stage.seconds += result["execution_time"]
        for timing in result.get("timing", []):
            if timing.get("name") == "execute" and timing.get("started_at"):
                stage.windows.append((_epoch(timing["started_at"]), _epoch(timing["completed_at"])))
        affected = (result.get("adapter_response") or {}).get("rows_affected")
        if kind == "model" and isinstance(affected, int) and affected >= 0:
            stage.add_rows(affected)
    return dict(split)
