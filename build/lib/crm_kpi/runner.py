"""Run the Dagster job in-process, with progress on the console and a clear failure summary."""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from dagster import (
    AssetCheckSeverity,
    DagsterInstance,
    EventLogEntry,
    ExecuteInProcessResult,
    JobDefinition,
)

from crm_kpi.logs import RunLog, run_log
from crm_kpi.publication import published_lines
from crm_kpi.stages import Selection

# Dagster's own event log stays quiet on the console; progress comes from the crm_kpi loggers.
RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
progress = logging.getLogger("crm_kpi.runner")


@dataclass(frozen=True)
class RunSummary:
    """What a run did, for the command line.

    ``failures``: failed steps and failed blocking checks (the run failed, nothing was
    published); ``warnings``: failed non-blocking checks (raw and core tables, mart columns);
    ``ingestion_warnings``: what the sources skipped (optional endpoints); ``published``:
    where the marts went, per account.
    """

    success: bool
    failures: list[str]
    log_path: Path | None = None
    warnings: list[str] = field(default_factory=list)
    data_docs: Path | None = None
    ingestion_warnings: list[str] = field(default_factory=list)
    published: list[str] = field(default_factory=list)


def _instance() -> DagsterInstance:
    # A persistent instance when the user has one; otherwise keep nothing behind.
    return DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else DagsterInstance.ephemeral()


def run_nightly(selection: Selection | None = None, log_path: Path | None = None) -> RunSummary:
    """Execute the nightly job (or the assets and checks of ``selection``) in this process.

    With ``log_path``, the whole run goes to that file: progress, what the tools print on
    stdout (dbt's log of every node), Dagster's event log and the traceback of any failure.
    The console keeps the progress lines only.
    """
    from crm_kpi.orchestration.definitions import defs
    from crm_kpi.orchestration.jobs import NIGHTLY_JOB_NAME

    job = defs.resolve_job_def(NIGHTLY_JOB_NAME)
    if selection is not None:
        job = job.get_subset(
            asset_selection=set(selection.assets), asset_check_selection=set(selection.checks)
        )
    return run_job(job, log_path)


def run_job(job: JobDefinition, log_path: Path | None = None) -> RunSummary:
    """Execute ``job`` in this process with the run log and summary of ``run_nightly``."""
    with run_log(log_path) as log, _instance() as instance:
        result = job.execute_in_process(
            run_config=RUN_CONFIG, instance=instance, raise_on_error=False
        )
        _write_event_log(log, instance.all_logs(result.run_id))
        failures, warnings = _failures(result), _warnings(result)
        published = published_lines(result)  # also when an account was withheld
        summary = RunSummary(
            success=result.success,
            failures=failures,
            log_path=log_path,
            warnings=warnings,
            data_docs=_data_docs(),
            ingestion_warnings=list(log.ingestion_warnings),
            published=published,
        )
        _write_tracebacks(log, result)
        log.write(format_summary(summary))
    for warning in warnings:
        progress.warning("data quality warning: %s", warning)
    if summary.data_docs is not None:
        progress.info("data quality report (Great Expectations Data Docs): %s", summary.data_docs)
    return summary


def format_summary(summary: RunSummary) -> str:
    """The run summary as the console and the log file show it."""
    lines = ["[crm-kpi] " + ("the run succeeded" if summary.success else "the run FAILED:")]
    lines += [f"  - {failure}" for failure in summary.failures]
    if summary.ingestion_warnings:
        lines.append("[crm-kpi] warnings from the sources:")
        lines += [f"  - {warning}" for warning in summary.ingestion_warnings]
    if summary.warnings:
        lines.append("[crm-kpi] data quality warnings:")
        lines += [f"  - {warning}" for warning in summary.warnings]
    if summary.published:
        lines.append("[crm-kpi] published:")
        lines += [f"  {line}" for line in summary.published]
    if summary.log_path is not None:
        lines.append(f"[crm-kpi] full log: {summary.log_path}")
    return "\n".join(lines)


def _write_event_log(log: RunLog, entries: list[EventLogEntry]) -> None:
    lines = ["", "==== Dagster event log of the run ===="]
    for entry in entries:
        when = dt.datetime.fromtimestamp(entry.timestamp).strftime("%H:%M:%S")
        step = entry.step_key or "-"
        message = entry.dagster_event.message if entry.dagster_event else entry.user_message
        lines.append(f"{when} {logging.getLevelName(entry.level):7s} {step}: {message or ''}")
    log.write("\n".join(lines))


def _write_tracebacks(log: RunLog, result: ExecuteInProcessResult) -> None:
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            log.write(f"\n==== {event.step_key} failed ====\n")
            log.write(event.step_failure_data.error.to_string())


def _data_docs() -> Path | None:
    from crm_kpi.config import get_settings
    from crm_kpi.quality.data_docs import docs_index

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
