"""Where the time of one nightly run went: Dagster step stats and dbt's run results."""

from __future__ import annotations

import json
from collections import defaultdict
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


def stage_of(step_key: str) -> str:
    """The stage a Dagster step belongs to (``publish`` for the serving steps)."""
    for fragment, stage in STAGE_OF_STEP:
        if fragment in step_key:
            return stage
    return "publish"


def step_seconds(dagster_home: Path) -> dict[str, float]:
    """Seconds per stage of the latest run recorded in ``dagster_home``."""
    import os

    from dagster import DagsterInstance

    os.environ["DAGSTER_HOME"] = str(dagster_home)
    with DagsterInstance.get() as instance:
        runs = instance.get_runs(limit=1)
        if not runs:
            return {}
        seconds: dict[str, float] = defaultdict(float)
        for stats in instance.get_run_step_stats(runs[0].run_id):
            if stats.start_time and stats.end_time:
                seconds[stage_of(stats.step_key)] += stats.end_time - stats.start_time
    return dict(seconds)


def latest_build(target_path: Path) -> Path | None:
    """The folder of the newest dbt invocation (dagster-dbt gives each run its own, under the
    configured target path or, for the build step, the project's own ``target/``)."""
    from crm_kpi.config import DBT_PROJECT_DIR

    candidates = [*target_path.glob("*/run_results.json")]
    candidates += (DBT_PROJECT_DIR / "target").glob("*/run_results.json")
    runs = sorted(candidates, key=lambda path: path.stat().st_mtime)
    return runs[-1].parent if runs else None


def dbt_split(target_path: Path) -> dict[str, float]:
    """dbt's own execution seconds of models and of data tests (``run_results.json``)."""
    build = latest_build(target_path)
    if build is None:
        return {}
    results = build / "run_results.json"
    split: dict[str, float] = defaultdict(float)
    for result in json.loads(results.read_text(encoding="utf-8"))["results"]:
        kind = result["unique_id"].split(".")[0]
        split[{"model": "dbt models", "test": "dbt tests"}.get(kind, "dbt other")] += result[
            "execution_time"
        ]
    return dict(split)
