"""The resources every job of the project runs with, built from the environment here only.

Settings (``crm_kpi.config``), the ``Warehouse``, dlt, and dbt building in that warehouse: each
is visible under "Resources" in the Dagster UI and injected into the assets, checks and sensors
that declare it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from functools import cache, cached_property
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any
from unittest import mock

from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource
from dagster_dlt import DagsterDltResource
from packaging.version import Version

from crm_kpi.config import (
    OrchestrationSettings,
    ServingSettings,
    Settings,
    dbt_target_path,
    warehouse_from_env,
)
from crm_kpi.warehouse import Warehouse


@cache
def dbt_version(executable: str) -> Version:
    """The version of dbt-core behind ``executable``, asked once per process.

    The ``dbt`` beside this interpreter is the dbt-core installed here: its version needs no
    ``dbt --version`` subprocess (a dbt import, seconds, that dagster-dbt starts per run).
    """
    if Path(executable).parent == Path(sys.executable).parent:
        return Version(installed_version("dbt-core"))
    output = subprocess.check_output([executable, "--version"], text=True)
    found = re.search(r"(\d+\.\d+\.\d+)", output)
    if found is None:
        raise ValueError(f"cannot read the dbt version from: {output}")
    return Version(found.group(1))


class WarehouseDbtResource(DbtCliResource):
    """dbt, building in the ``Warehouse`` resource's warehouse (its target and ``dbt_env()``)."""

    warehouse: Warehouse

    @cached_property
    def _cli_version(self) -> Version:  # dagster-dbt's, without a subprocess per instance
        return dbt_version(self.dbt_executable)

    def cli(self, args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        """``dbt <args>`` with ``profiles.yml``'s variables set for this warehouse only.

        dagster-dbt copies the process environment into the dbt subprocess when it starts it,
        inside this call; the variables are set for that moment and restored right after.
        ``DBT_TARGET_PATH`` is the project's target folder: each invocation gets its own folder
        under it and starts from the ``partial_parse.msgpack`` the definitions' parse left there.
        """
        env = {
            **self.warehouse.dbt_env(),
            "DBT_TARGET_PATH": dbt_target_path(),
            # dbt's own log file repeats every event at debug level (each statement it runs):
            # ~15 % of a demo build's CPU. The run log keeps dbt's stdout (every node's
            # result); set DBT_LOG_LEVEL_FILE=debug to get the file back.
            "DBT_LOG_LEVEL_FILE": os.environ.get("DBT_LOG_LEVEL_FILE") or "none",
        }
        with mock.patch.dict(os.environ, env):
            return super().cli(args, **kwargs)


def build_resources(
    warehouse: Warehouse | None = None,
    settings: Settings | None = None,
    serving: ServingSettings | None = None,
    orchestration: OrchestrationSettings | None = None,
    env_vars: bool = True,
) -> dict[str, ConfigurableResource | Any]:
    """The resources of the code location; any of them can be passed in (tests).

    ``env_vars=False``: plain values instead of ``EnvVar``s, for code that also reads them
    outside a run (the in-process runner).
    """
    from crm_kpi.orchestration.defs.dbt.dbt_models import dbt_executable, dbt_project

    warehouse = warehouse or warehouse_from_env()
    project = dbt_project()
    return {
        "settings": settings or Settings.from_env(env_vars),
        "serving_settings": serving or ServingSettings.from_env(env_vars),
        "orchestration_settings": orchestration or OrchestrationSettings.from_env(env_vars),
        "warehouse": warehouse,
        "dlt": DagsterDltResource(),
        "dbt": WarehouseDbtResource(
            project_dir=project,
            dbt_executable=dbt_executable(),
            target=warehouse.dbt_target,
            warehouse=warehouse,
        ),
    }
