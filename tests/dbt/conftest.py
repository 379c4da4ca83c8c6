"""One `dbt build` of the project on an empty temporary warehouse, shared by the dbt tests.

dbt runs in a subprocess (the `dbt` next to this interpreter): dbt-duckdb keeps its database
open for the life of the process, which would stop the tests from opening the file read-only.

The build runs every model, every unit test, the singular data tests and the project's own
generic tests (macros of this project or its packages, `not_null_columns` among them), but not
dbt-core's built-in generic tests (not_null, unique, accepted_values, relationships: 31 of the
194 data tests): on empty tables they pass by construction and prove only that dbt-core
compiles its own macros; the slow tier's pipeline runs (`tests/e2e`) run every data test on
the demo company's data.

The build starts in the background as soon as the tests are collected, and the tests that
need it run last: it runs on the second core while the rest of the tier runs on the first
(the build is ~45 s of the default tier on 2 cores).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

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


@dataclass
class _RunningBuild:
    """The session's dbt build, started by ``pytest_collection_modifyitems``."""

    work: Path
    process: subprocess.Popen[str]
    output: IO[str]


_RUNNING: list[_RunningBuild] = []


def _start_build(work: Path) -> _RunningBuild:
    warehouse = work / "crm_kpi.duckdb"
    env = {**os.environ, "CRM_KPI_WAREHOUSE": str(warehouse), "DO_NOT_TRACK": "1"}
    output = (work / "dbt_output.txt").open("w+", encoding="utf-8")
    process = subprocess.Popen(
        [
            _dbt_executable(),
            "build",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
            # No debug log file (every statement): stdout, kept in ``output``, has every
            # node's result.
            "--log-level-file",
            "none",
            "--no-partial-parse",
            "--no-use-colors",
            "--exclude",
            *(f"test_name:{name}" for name in BUILT_IN_TESTS),
        ],
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return _RunningBuild(work=work, process=process, output=output)


@pytest.hookimpl(trylast=True)  # after `-m` / `-k` deselected what does not run
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Start the shared dbt build now, and run the tests that need it last."""
    needing = [item for item in items if "dbt_build" in getattr(item, "fixturenames", ())]
    if not needing or _RUNNING or config.option.collectonly:
        return
    ids = {id(item) for item in needing}
    items[:] = [item for item in items if id(item) not in ids] + needing
    _RUNNING.append(_start_build(Path(tempfile.mkdtemp(prefix="crm_kpi_dbt_"))))


def pytest_sessionfinish() -> None:
    """Stop a build no test waited for (e.g. ``-x`` stopped the session), drop its folder."""
    while _RUNNING:
        build = _RUNNING.pop()
        if build.process.poll() is None:
            build.process.kill()
            build.process.wait()
        build.output.close()
        shutil.rmtree(build.work, ignore_errors=True)


@pytest.fixture(scope="session")
def dbt_build(tmp_path_factory: pytest.TempPathFactory) -> DbtBuild:
    """The outcome of `dbt build` (models, data tests, unit tests) on an empty DuckDB file."""
    if not _RUNNING:  # not started at collection (e.g. the fixture was requested late)
        _RUNNING.append(_start_build(tmp_path_factory.mktemp("dbt")))
    build = _RUNNING[0]
    try:
        returncode = build.process.wait(timeout=600)
    except subprocess.TimeoutExpired:
        build.process.kill()
        returncode = build.process.wait()
    build.output.seek(0)
    output = build.output.read()
    run_results = build.work / "target" / "run_results.json"
    statuses = {}
    if run_results.exists():
        results = json.loads(run_results.read_text(encoding="utf-8"))["results"]
        statuses = {result["unique_id"]: result["status"] for result in results}
    return DbtBuild(
        warehouse=build.work / "crm_kpi.duckdb",
        returncode=returncode,
        output=output,
        statuses=statuses,
    )
