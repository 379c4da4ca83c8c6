"""Run the Dagster job in-process, with progress on the console and a clear failure summary."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dagster import AssetCheckSeverity, AssetKey, DagsterInstance, ExecuteInProcessResult

# Dagster's own event log stays quiet on the console; progress comes from the crm_kpi loggers.
RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass(frozen=True)
class RunSummary:
    """What a run did, for the command line.

    ``failures``: failed steps and failed blocking checks (the run failed, nothing was
    published); ``warnings``: failed non-blocking checks (raw and core tables, mart columns).
    """

    success: bool
    failures: list[str]
    log_path: Path | None = None
    warnings: list[str] = field(default_factory=list)
    data_docs: Path | None = None


def configure_logging() -> None:
    """Show our own progress lines (rows loaded, steps, checks) on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", datefmt="%H:%M:%S"))
    project_logger = logging.getLogger("crm_kpi")
    project_logger.addHandler(handler)
    project_logger.setLevel(logging.INFO)
    project_logger.propagate = False


def _instance() -> DagsterInstance:
    # A persistent instance when the user has one; otherwise keep nothing behind.
    return DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else DagsterInstance.ephemeral()


def run_nightly(
    asset_selection: Sequence[AssetKey] | None = None, log_path: Path | None = None
) -> RunSummary:
    """Execute the nightly job (or a subset of its assets) in this process.

    With ``log_path``, what the tools print on stdout (dbt's log of every node) goes to that
    file instead of the console; progress lines still go to stderr.
    """
    from orchestration.definitions import defs
    from orchestration.jobs import NIGHTLY_JOB_NAME

    job = defs.resolve_job_def(NIGHTLY_JOB_NAME)
    with contextlib.ExitStack() as stack:
        if log_path is not None:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            log_file = stack.enter_context(log_path.open("w", encoding="utf-8"))
            stack.enter_context(contextlib.redirect_stdout(log_file))
        instance = stack.enter_context(_instance())
        result = job.execute_in_process(
            run_config=RUN_CONFIG,
            instance=instance,
            asset_selection=list(asset_selection) if asset_selection else None,
            raise_on_error=False,
        )
    failures, warnings = _failures(result), _warnings(result)
    data_docs = _data_docs()
    progress = logging.getLogger("crm_kpi.runner")
    for warning in warnings:
        progress.warning("data quality warning: %s", warning)
    if data_docs is not None:
        progress.info("data quality report (Great Expectations Data Docs): %s", data_docs)
    return RunSummary(
        success=result.success,
        failures=failures,
        log_path=log_path,
        warnings=warnings,
        data_docs=data_docs,
    )


def _data_docs() -> Path | None:
    from crm_kpi.config import get_settings
    from data_quality.data_docs import docs_index

    index = docs_index(get_settings().data_dir)
    return index if index.exists() else None


def _failed_checks(result: ExecuteInProcessResult) -> list[tuple[str, AssetCheckSeverity]]:
    failed = []
    for event in result.all_events:
        if event.event_type_value != "ASSET_CHECK_EVALUATION":
            continue
        evaluation = event.event_specific_data
        if evaluation is None or evaluation.passed:
            continue
        rows = evaluation.metadata.get("failed_rows")
        detail = f" ({rows.value} failed rows)" if rows is not None and rows.value else ""
        failed.append(
            (
                f"check {evaluation.check_name} on {evaluation.asset_key.to_user_string()} "
                f"failed{detail}",
                evaluation.severity,
            )
        )
    return failed


def _warnings(result: ExecuteInProcessResult) -> list[str]:
    return [
        line for line, severity in _failed_checks(result) if severity == AssetCheckSeverity.WARN
    ]


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
    failures += [
        line for line, severity in _failed_checks(result) if severity == AssetCheckSeverity.ERROR
    ]
    return failures
