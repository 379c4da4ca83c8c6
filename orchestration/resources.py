"""Resources shared by the assets and checks."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource
from dagster_dlt import DagsterDltResource

from orchestration.assets.dbt_models import dbt_project


def dbt_executable() -> str:
    """The dbt of this environment, found even when the virtualenv is not activated."""
    beside_python = Path(sys.executable).parent / "dbt"
    return str(beside_python) if beside_python.exists() else (shutil.which("dbt") or "dbt")


def build_resources() -> dict[str, object]:
    """The resources every job of the project runs with."""
    return {
        "dlt": DagsterDltResource(),
        "dbt": DbtCliResource(project_dir=dbt_project(), dbt_executable=dbt_executable()),
    }
