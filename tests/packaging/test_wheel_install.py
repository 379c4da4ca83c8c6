"""The built wheels install into a fresh virtualenv and `crm-kpi demo` works from there.

This is what a user of the published package gets: no checkout, no `dbt_project/` beside the
code, the run-time lock only (no test or lint tools), the test doubles from their own
distribution (`crm-kpi-emulators`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
UV = Path(sys.executable).parent / "uv"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(3000)]


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 900):
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, (
        f"{' '.join(map(str, command))} failed ({result.returncode}):\n"
        f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    )
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the run-time lock and the two wheels built from this checkout."""
    if not UV.exists():
        pytest.skip("uv is not installed beside this interpreter (make .venv/.installed)")
    work = tmp_path_factory.mktemp("wheel")
    dist = work / "dist"
    # Build from a copy: setuptools writes build/ and *.egg-info beside the sources.
    source = work / "source"
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name in files:
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    for project in (source, source / "emulators"):
        _run([str(UV), "build", "--wheel", "--out-dir", str(dist), str(project)], cwd=work)
    venv = work / "venv"
    _run([str(UV), "venv", "--python", sys.executable, str(venv)], cwd=work)
    python = venv / "bin" / "python"
    lock = ROOT / "requirements.lock"
    _run(
        [str(UV), "pip", "install", "--python", str(python), "--require-hashes", "-r", str(lock)],
        cwd=work,
    )
    wheels = sorted(str(p) for p in dist.glob("*.whl"))
    assert len(wheels) == 2, wheels
    _run([str(UV), "pip", "install", "--python", str(python), "--no-deps", *wheels], cwd=work)
    return venv


def test_the_wheel_ships_the_dbt_project_and_no_test_doubles(installed: Path) -> None:
    python = installed / "bin" / "python"
    probe = (
        "import importlib.util, pathlib, crm_kpi.config as c;"
        "p = pathlib.Path(c.DBT_PROJECT_DIR);"
        "print(p.is_relative_to(pathlib.Path(c.__file__).parent));"
        "print((p / 'dbt_project.yml').exists(), len(list(p.rglob('*.sql'))) > 50);"
        "print(importlib.util.find_spec('pytest') is None)"
    )
    out = _run([str(python), "-c", probe], cwd=installed).stdout.split()
    assert out == ["True", "True", "True", "True"], out


def test_crm_kpi_demo_runs_from_the_installed_wheels(installed: Path, tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CRM_KPI_", "SOURCES__", "DAGSTER_", "VIRTUAL_ENV"))
    }
    env.update(
        PATH=f"{installed / 'bin'}:{env.get('PATH', '')}",
        DO_NOT_TRACK="1",
        RUNTIME__DLTHUB_TELEMETRY="false",
        GX_ANALYTICS_ENABLED="false",
    )
    result = _run(
        [str(installed / "bin" / "crm-kpi"), "demo", "--days", "60"],
        cwd=tmp_path,
        env=env,
        timeout=2400,
    )
    assert "KPIs per manager" in result.stdout
    warehouses = list(tmp_path.rglob("*.duckdb"))
    assert warehouses, f"the demo wrote no warehouse under its working directory {tmp_path}"
    main = next(p for p in warehouses if "serving" not in p.parts)
    with duckdb.connect(str(main), read_only=True) as connection:
        rows = connection.execute("select count(*) from marts.mart_manager_monthly").fetchone()
    assert rows[0] > 0
