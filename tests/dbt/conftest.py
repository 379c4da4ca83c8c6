"""One `dbt build` of the project on an empty temporary warehouse, shared by the dbt tests.

dbt runs in a subprocess (the `dbt` next to this interpreter): dbt-duckdb keeps its database
open for the life of the process, which would stop the tests from opening the file read-only.

The build runs every model, every unit test, the singular data tests and the project's own
generic tests (macros of this project or its packages), but not dbt-core's built-in generic
tests (not_null, unique, accepted_values, relationships: 330 of the 430 data tests): on empty
tables they pass by construction and prove only that dbt-core compiles its own macros; the
slow tier's pipeline runs (`tests/e2e`) run every data test on the demo company's data.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("DO_NOT_TRACK", "1")

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "crm_kpi" / "transform" / "dbt_project"
# dbt-core's built-in generic tests, left to the slow tier (see the module's docstring).
BUILT_IN_TESTS = ("not_null", "unique", "accepted_values", "relationships")


@dataclass(frozen=True)
class DbtBuild:
    """Outcome of the session's dbt build."""

    warehouse: Path
    returncode: int
    output: str
    statuses: dict[str, str]


def _dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("dbt")
    if found is None:
        pytest.fail(
            "dbt is not installed next to this Python; run `make test` (it bootstraps .venv)"
        )
    return found


@pytest.fixture(scope="session")
def dbt_build(tmp_path_factory: pytest.TempPathFactory) -> DbtBuild:
    """Run `dbt build` (models, data tests, unit tests) once, on an empty DuckDB file."""
    work = tmp_path_factory.mktemp("dbt")
    warehouse = work / "crm_kpi.duckdb"
    target = work / "target"
    env = {**os.environ, "CRM_KPI_WAREHOUSE": str(warehouse), "DO_NOT_TRACK": "1"}
    completed = subprocess.run(
        [
            _dbt_executable(),
            "build",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(target),
            "--log-path",
            str(work / "logs"),
            "--no-partial-parse",
            "--no-use-colors",
            "--exclude",
            *(f"test_name:{name}" for name in BUILT_IN_TESTS),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    run_results = target / "run_results.json"
    statuses = {}
    if run_results.exists():
        results = json.loads(run_results.read_text(encoding="utf-8"))["results"]
        statuses = {result["unique_id"]: result["status"] for result in results}
    return DbtBuild(
        warehouse=warehouse,
        returncode=completed.returncode,
        output=completed.stdout + completed.stderr,
        statuses=statuses,
    )
