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

from crm_kpi.cli import main
from crm_kpi.config import PROJECT_ROOT
from crm_kpi.demo import run_demo
from crm_kpi.report import format_table, last_full_month


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
def test_demo_prints_a_kpi_table(warehouse: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("SOURCES__AMOCRM__REQUESTS_PER_SECOND", "200")
    monkeypatch.delenv("SOURCES__BITRIX24__PORTAL", raising=False)
    assert run_demo(_settings(), days=45) == 0
    # The emulators are gone after the demo: nothing may point at them any more.
    assert "SOURCES__BITRIX24__PORTAL" not in os.environ
    out = capsys.readouterr().out
    assert "KPIs per manager for" in out
    assert "revenue" in out and "win rate" in out
    assert f"Warehouse: {warehouse}" in out


def _settings():
    from crm_kpi.config import export_warehouse_env

    return export_warehouse_env()
