"""The Dagster UI, in a real browser: the asset graph with the project's assets and checks.

Starts ``dagster-webserver`` on the project's workspace, opens it in headless Chromium
(the machine's, never a downloaded one) and saves a screenshot. Skips without Chromium,
unless CRM_KPI_REQUIRE_SERVICES=1 (CI), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from crm_kpi.config import PROJECT_ROOT

CHROMIUM = Path(os.environ.get("CRM_KPI_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
READY = "{ assetNodes { assetKey { path } } }"
MART = "marts/mart_manager_monthly"
SCREENSHOT_ENV = "CRM_KPI_UI_SCREENSHOT"  # set to keep the screenshot somewhere (docs/images)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def chromium() -> Path:
    """The system Chromium, or a skip (a failure under CRM_KPI_REQUIRE_SERVICES=1)."""
    if CHROMIUM.exists():
        return CHROMIUM
    reason = f"Chromium not found at {CHROMIUM}: apt-get install -y chromium"
    if os.environ.get("CRM_KPI_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (CRM_KPI_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


@pytest.fixture
def webserver(tmp_path: Path, warehouse: Path) -> Iterator[str]:
    """``dagster-webserver -w workspace.yaml`` with the project's dagster.yaml; its URL."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    port = _free_port()
    log = (tmp_path / "webserver.log").open("w")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "dagster-webserver"),
            *("-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)),
        ],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DAGSTER_HOME": str(home)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / "webserver.log").read_text()
            try:
                nodes = requests.post(f"{url}/graphql", json={"query": READY}, timeout=10).json()
                if nodes["data"]["assetNodes"]:
                    break
            except (requests.RequestException, KeyError, ValueError, TypeError):
                pass
            time.sleep(1)
        else:
            pytest.fail("the webserver did not list assets in 240 s")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _dismiss_first_visit_dialog(page: Any) -> None:
    """The UI asks first-time visitors to join its newsletter; say no if it does."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    skip = page.get_by_role("button", name="Skip")
    try:
        skip.click(timeout=15_000)
        skip.wait_for(state="detached", timeout=15_000)
    except PlaywrightTimeout:
        pass


def test_asset_graph_with_checks_renders_in_chromium(
    chromium: Path, webserver: str, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    screenshot = Path(os.environ.get(SCREENSHOT_ENV) or tmp_path / "asset_graph.png")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(
                f"{webserver}/assets/{MART}?view=lineage&lineageScope=neighbors&lineageDepth=1",
                wait_until="networkidle",
                timeout=120_000,
            )
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            try:
                page.get_by_text("published_snapshot").first.wait_for(timeout=120_000)
                _dismiss_first_visit_dialog(page)
                page.wait_for_load_state("networkidle")
                # A small graph shows each node's checks row; a large one zooms out to names
                # only, so the checks themselves are asserted on the mart's checks tab below.
            finally:
                page.screenshot(path=str(screenshot))
            graph = page.inner_text("body")
            for asset_name in ("mart_manager_monthly", "mart_manager_daily", "fct_deals"):
                assert asset_name in graph

            page.goto(f"{webserver}/assets/{MART}?view=checks", wait_until="networkidle")
            page.get_by_text("gx_mart_manager_monthly").first.wait_for(timeout=60_000)
            checks = page.inner_text("body")
            # dbt tests are checks too (the column set itself is the enforced dbt contract)
            assert "assert_mart_manager_monthly_matches_daily" in checks
        finally:
            browser.close()
    assert screenshot.stat().st_size > 10_000
