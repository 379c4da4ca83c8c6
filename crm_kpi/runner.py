"""Run the Dagster job in-process, with progress on the console and a clear failure summary."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from dagster import AssetKey, DagsterInstance, ExecuteInProcessResult

RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


@dataclass(frozen=True)
class RunSummary:
    """What a run did, for the command line."""

    success: bool
    failures: list[str]


def configure_logging() -> None:
    """Show our own progress lines (pages loaded, steps) on stderr."""
    logging.basicConfig(
        level=logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )
    logging.getLogger("crm_kpi").setLevel(logging.INFO)


def _instance() -> DagsterInstance:
    # A persistent instance when the user has one; otherwise keep nothing behind.
    return DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else DagsterInstance.ephemeral()


def run_nightly(asset_selection: Sequence[AssetKey] | None = None) -> RunSummary:
    """Execute the nightly job (or a subset of its assets) in this process."""
    from orchestration.definitions import defs
    from orchestration.jobs import NIGHTLY_JOB_NAME

    job = defs.resolve_job_def(NIGHTLY_JOB_NAME)
    with _instance() as instance:
        result = job.execute_in_process(
            run_config=RUN_CONFIG,
            instance=instance,
            asset_selection=list(asset_selection) if asset_selection else None,
            raise_on_error=False,
        )
    return RunSummary(success=result.success, failures=_failures(result))


def _failures(result: ExecuteInProcessResult) -> list[str]:
    failures = []
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data:
            error = event.step_failure_data.error
            message = error.message.strip() if error else "unknown error"
            cause = error.cause if error else None
            while cause is not None:
                message = cause.message.strip()
                cause = cause.cause
            failures.append(f"{event.step_key}: {message}")
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if evaluation is not None and not evaluation.passed:
                failures.append(f"check {evaluation.check_name} on {evaluation.asset_key} failed")
    return failures
