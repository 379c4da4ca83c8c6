"""The `crm-kpi` command: clear refusals, the standalone emulator, and the demo."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import requests
from crm_kpi_emulators.demo import run_demo

from crm_kpi.cli import main
from crm_kpi.config import PROJECT_ROOT
from crm_kpi.serving.console_table import format_table, last_full_month


def test_run_without_any_configured_crm_says_what_to_set(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
) -> None:
    for name in ("SUBDOMAIN", "ACCESS_TOKEN", "BASE_URL"):
        monkeypatch.delenv(f"SOURCES__AMOCRM__{name}", raising=False)
    monkeypatch.chdir(tmp_path)  # no .dlt/ folder here
    assert main(["run"]) == 2
    out = capsys.readouterr().out
    assert "skipping amocrm" in out
    assert "SOURCES__AMOCRM__SUBDOMAIN" in out and "SOURCES__AMOCRM__ACCESS_TOKEN" in out


def test_last_full_month() -> None:
    assert last_full_month(dt.date(2026, 3, 1)) == dt.date(2026, 2, 1)
    assert last_full_month(dt.date(2026, 1, 31)) == dt.date(2025, 12, 1)


def test_format_table_shows_rates_as_percent_and_talk_time_in_minutes() -> None:
    frame = pd.DataFrame(
        {
            "manager_name": ["Анна"],
            "revenue": [1234567.891],
            "win_rate": [0.5],
            "call_duration_seconds": [600],
            "task_on_time_rate": [None],
        }
    )
    text = format_table(frame)
    assert "1,234,568" in text and "50%" in text and "10" in text
    assert "Анна" in text


def test_format_table_names_the_account_only_when_there_are_several() -> None:
    one = pd.DataFrame({"account_key": ["amocrm:1"], "manager_name": ["Анна"]})
    two = pd.DataFrame({"account_key": ["amocrm:1", "bitrix24:x"], "manager_name": ["Анна"] * 2})
    assert "account" not in format_table(one)
    assert "bitrix24:x" in format_table(two).splitlines()[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_emulate_serves_the_api_standalone() -> None:
    port = _free_port()
    command = [str(Path(sys.executable).parent / "crm-kpi"), "emulate", "amocrm"]
    process = subprocess.Popen(
        [*command, "--port", str(port), "--days", "10", "--token", "t0ken"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = requests.get(
                    f"http://127.0.0.1:{port}/api/v4/account",
                    headers={"Authorization": "Bearer t0ken"},
                    timeout=5,
                )
                break
            except requests.ConnectionError:
                assert process.poll() is None, process.stdout.read().decode()
                assert time.monotonic() < deadline, "the emulator never answered"
                time.sleep(0.3)
        assert response.status_code == 200
        assert response.json()["subdomain"] == "demo"
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_demo_prints_a_kpi_table(warehouse: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("SOURCES__AMOCRM__REQUESTS_PER_SECOND", "200")
    monkeypatch.delenv("SOURCES__BITRIX24__PORTAL", raising=False)
    assert run_demo(_settings(), days=45) == 0
    # The emulators are gone after the demo: nothing may point at them any more.
    assert "SOURCES__BITRIX24__PORTAL" not in os.environ
    out = capsys.readouterr().out
    assert "KPIs per manager for" in out
    assert "revenue" in out.lower() and "win rate" in out.lower()  # labels from meta.kpi
    assert f"Warehouse: {warehouse}" in out


def _settings():
    from crm_kpi.config import export_warehouse_env

    return export_warehouse_env()


def _run_cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    """``crm-kpi`` in a fresh interpreter that reports whether the code location got loaded.

    The settings are Dagster resources, so ``dagster`` itself is imported; what must not load
    is the code location (definitions, dbt manifest, dlt sources), which takes a minute.
    """
    code = (
        "import sys; from crm_kpi.cli import main; rc = main(sys.argv[1:]); "
        "loaded = {'crm_kpi.orchestration.definitions', 'dagster_dbt'} & set(sys.modules); "
        "print('DAGSTER_LOADED' if loaded else 'DAGSTER_NOT_LOADED'); "
        "sys.exit(rc)"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=env,
    )


def _env_without_crms(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOURCES__")}
    env["CRM_KPI_DATA_DIR"] = str(tmp_path / "data")
    env["CRM_KPI_WAREHOUSE"] = str(tmp_path / "warehouse.duckdb")
    return env


def test_configuration_errors_are_answered_before_dagster_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    env = _env_without_crms(tmp_path)
    started = time.monotonic()
    done = _run_cli(["run"], env, tmp_path)
    assert done.returncode == 2, done.stderr
    assert "no CRM is configured" in done.stdout and "DAGSTER_NOT_LOADED" in done.stdout
    assert time.monotonic() - started < 45  # well under the code location's minute (62 s)

    # Bad settings and unknown stages are answered earlier in `cmd_run` than the missing CRMs
    # above (which did not load the code location): checked in this process.
    monkeypatch.chdir(tmp_path)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CRM_KPI_RETRY_MAX", "three")
    assert main(["run"]) == 2
    assert "CRM_KPI_RETRY_MAX='three' is not an integer" in capsys.readouterr().out

    monkeypatch.delenv("CRM_KPI_RETRY_MAX")
    assert main(["run", "--skip", "publishing"]) == 2
    assert "unknown stage 'publishing'" in capsys.readouterr().out


def test_settings_errors_name_each_bad_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from crm_kpi.preflight import settings_errors

    monkeypatch.setenv("CRM_KPI_SCHEDULE_TIMEZONE", "Mars/Olympus")
    monkeypatch.setenv("CRM_KPI_REPORT_LANGUAGE", "de")
    monkeypatch.setenv("CRM_KPI_SCHEDULE_CRON", "0 2 * *")
    errors = "\n".join(settings_errors())
    assert "Mars/Olympus" in errors and "'de'" in errors and "cron" in errors


def test_stages_select_and_skip() -> None:
    from crm_kpi.stages import STAGES, UnknownStage, chosen_stages

    assert chosen_stages(None, None) == list(STAGES)
    assert chosen_stages(None, ["ingestion"]) == [s for s in STAGES if s != "ingestion"]
    assert chosen_stages(["report", "publish"], None) == ["publish", "report"]
    with pytest.raises(UnknownStage):
        chosen_stages(["dbt"], None)


def test_prepare_parses_the_dbt_project_once(tmp_path: Path, monkeypatch) -> None:
    from crm_kpi.cli import main
    from crm_kpi.orchestration.defs.dbt.dbt_models import dbt_project

    dbt_project.cache_clear()  # once per process; this test's target is its own
    monkeypatch.setenv("CRM_KPI_DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.setenv("CRM_KPI_WAREHOUSE", str(tmp_path / "warehouse" / "crm_kpi.duckdb"))
    assert main(["prepare"]) == 0
    manifest = tmp_path / "target" / "manifest.json"
    parsed_at = manifest.stat().st_mtime
    dbt_project.cache_clear()
    assert main(["prepare"]) == 0  # current: not parsed again
    assert manifest.stat().st_mtime == parsed_at
    dbt_project.cache_clear()  # the other tests' project is the default one


def test_the_console_script_exits_with_mains_code_and_its_output_flushed(tmp_path: Path) -> None:
    """``console_main`` skips the interpreter's teardown (``os._exit``): the exit code and
    everything printed to a pipe must still come through."""
    code = (
        "import sys; sys.argv[1:] = ['run', '--select', 'bogus']; "
        "from crm_kpi.cli import console_main; console_main()"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert done.returncode == 2
    assert "unknown stage 'bogus'" in done.stdout
