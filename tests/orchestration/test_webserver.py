"""`dagster-webserver` loads the project's workspace and lists its assets over GraphQL."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from crm_kpi.config import PROJECT_ROOT

QUERY = """
{
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        locationOrLoadError { __typename ... on PythonError { message } }
      }
    }
  }
  assetNodes { assetKey { path } }
}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_webserver_lists_the_project_assets(tmp_path: Path, warehouse: Path) -> None:
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    webserver = Path(sys.executable).parent / "dagster-webserver"
    process = subprocess.Popen(
        [str(webserver), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        payload = None
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                response = requests.post(
                    f"http://127.0.0.1:{port}/graphql", json={"query": QUERY}, timeout=10
                )
                payload = response.json()["data"]
                if payload["assetNodes"]:
                    break
            except (requests.ConnectionError, KeyError, ValueError):
                pass
            assert process.poll() is None, process.stdout.read().decode()
            time.sleep(1)
        assert payload is not None, "the webserver never answered"
        [entry] = payload["workspaceOrError"]["locationEntries"]
        assert entry["locationOrLoadError"]["__typename"] == "RepositoryLocation", entry
        keys = {"/".join(node["assetKey"]["path"]) for node in payload["assetNodes"]}
        assert "raw_amocrm/leads" in keys
        assert "marts/mart_manager_monthly" in keys
        assert "marts/mart_manager_daily" in keys
    finally:
        process.terminate()
        process.wait(timeout=30)
