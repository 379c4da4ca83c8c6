"""Run the Dagster job in-process, with progress on the console and a clear failure summary."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dagster import (
    AssetCheckSeverity,
    AssetKey,
    DagsterInstance,
    Definitions,
    EventLogEntry,
    ExecuteInProcessResult,
    JobDefinition,
)

from crm_kpi.config import Settings, dagster_home
from crm_kpi.logs import RunLog, run_log
from crm_kpi.publication import published_lines
from crm_kpi.sources.registry import CrmAccount
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
    where the marts went, per account; ``failed_accounts``: the accounts that did not load.
    """

    success: bool
    failures: list[str]
    log_path: Path | None = None
    warnings: list[str] = field(default_factory=list)
    data_docs: Path | None = None
    ingestion_warnings: list[str] = field(default_factory=list)
    published: list[str] = field(default_factory=list)
    failed_accounts: list[str] = field(default_factory=list)


def _instance() -> DagsterInstance:
    # A persistent instance when the user has one; otherwise keep nothing behind.
    return DagsterInstance.get() if dagster_home() else DagsterInstance.ephemeral()


@dataclass(frozen=True)
class RunStep:
    """One in-process run: a job (subset) and, for an account's load, its partition."""

    job: JobDefinition
    account: CrmAccount | None = None


def _subset(
    job: JobDefinition, selection: Selection | None, checked: set[AssetKey]
) -> JobDefinition | None:
    """``job`` cut to ``selection``; its checks: those of the selection on ``checked`` assets."""
    if selection is None:
        return job
    keys = job.asset_layer.selected_asset_keys
    assets = set(selection.assets) & set(keys)
    checks = {check for check in selection.checks if check.asset_key in checked}
    if not assets and not checks:
        return None
    return job.get_subset(asset_selection=assets, asset_check_selection=checks)


def nightly_steps(defs: Definitions, selection: Selection | None = None) -> list[RunStep]:
    """The runs of the nightly batch, in order: each configured account, then the nightly job."""
    from crm_kpi.orchestration.defs.dlt.crm_ingestion import ingestion_job_name
    from crm_kpi.orchestration.jobs import NIGHTLY_JOB_NAME
    from crm_kpi.sources.registry import registered_crms

    steps = []
    raw_keys: set[AssetKey] = set()
    for plugin in registered_crms():
        ingestion = defs.resolve_job_def(ingestion_job_name(plugin))
        raw_keys |= set(ingestion.asset_layer.selected_asset_keys)
        job = _subset(ingestion, selection, checked=set())  # its checks run in the nightly job
        if job is not None:
            steps += [RunStep(job, account) for account in plugin.accounts()]
    nightly_job = defs.resolve_job_def(NIGHTLY_JOB_NAME)
    checked = {*nightly_job.asset_layer.selected_asset_keys, *raw_keys}
    nightly = _subset(nightly_job, selection, checked)
    return [*steps, *([RunStep(nightly)] if nightly is not None else [])]


def run_nightly(selection: Selection | None = None, log_path: Path | None = None) -> RunSummary:
    """Execute the nightly batch (or the assets and checks of ``selection``) in this process.

    The accounts load one after another, each in its own run: one that fails is named in the
    summary and the alert, and does not stop the others; the nightly job (merge, dbt, checks,
    publish) then runs on what loaded. With ``log_path``, the whole run goes to that file:
    progress, what the tools print on stdout (dbt's log of every node), Dagster's event log and
    the traceback of any failure. The console keeps the progress lines only.
    """
    from crm_kpi.orchestration.definitions import build_definitions
    from crm_kpi.orchestration.resources import build_resources

    # Built now, so that the resources are those of this run's environment.
    defs = build_definitions(resources=build_resources(env_vars=False))
    return run_steps(nightly_steps(defs, selection), log_path)


def run_job(job: JobDefinition, log_path: Path | None = None) -> RunSummary:
    """Execute ``job`` in this process with the run log and summary of ``run_nightly``."""
    return run_steps([RunStep(job)], log_path)


def _execute(step: RunStep, instance: DagsterInstance) -> ExecuteInProcessResult:
    if step.account is None:
        return step.job.execute_in_process(
            run_config=RUN_CONFIG, instance=instance, raise_on_error=False
        )
    from crm_kpi.orchestration.defs.dlt.crm_ingestion import accounts_partitions
    from crm_kpi.orchestration.jobs import account_tags
    from crm_kpi.sources.registry import crm

    partitions = accounts_partitions(crm(step.account.crm)).name
    instance.add_dynamic_partitions(partitions, [step.account.partition_key])
    return step.job.execute_in_process(
        run_config=RUN_CONFIG,
        instance=instance,
        raise_on_error=False,
        partition_key=step.account.partition_key,
        tags=account_tags(step.account),
    )


def run_steps(steps: Sequence[RunStep], log_path: Path | None = None) -> RunSummary:
    """Execute ``steps`` in order; an account that fails is reported, the rest go on."""
    failures: list[str] = []
    warnings: list[str] = []
    failed_accounts: list[str] = []
    published: list[str] = []
    loaded_any = False
    settings = Settings.from_env(env_vars=False)
    with run_log(log_path) as log, _instance() as instance:
        for step in steps:
            if step.account is None and failed_accounts and not loaded_any:
                failures.append("nothing loaded: the transform and publish did not run")
                break
            result = _execute(step, instance)
            _write_event_log(log, instance.all_logs(result.run_id))
            _write_tracebacks(log, result)
            step_failures = _failures(result)
            if step.account is not None:
                key = step.account.partition_key
                if result.success:
                    loaded_any = True
                else:
                    failed_accounts.append(key)
                    progress.error("account %s failed to load; the others go on", key)
                step_failures = [f"account {key}: {line}" for line in step_failures]
            else:
                published = published_lines(result)  # also when an account was withheld
            failures += step_failures
            warnings += _warnings(result)
        summary = RunSummary(
            success=not failures,
            failures=failures,
            log_path=log_path,
            warnings=warnings,
            data_docs=_data_docs(settings),
            ingestion_warnings=list(log.ingestion_warnings),
            published=published,
            failed_accounts=failed_accounts,
        )
        log.write(format_summary(summary))
    for warning in warnings:
        progress.warning("data quality warning: %s", warning)
    if summary.data_docs is not None:
        progress.info("data quality report (Great Expectations Data Docs): %s", summary.data_docs)
    if failed_accounts:
        alert_failed_accounts(summary)
    return summary


def alert_failed_accounts(summary: RunSummary) -> list[str]:
    """Alert (the run-failure channels) that accounts failed; the channels that worked.

    In Dagster each account's failed run alerts through the run-failure sensor; an in-process
    run has no sensor, so it alerts here.
    """
    from crm_kpi.config import OrchestrationSettings, ServingSettings
    from crm_kpi.orchestration.notifications import Alert, notify

    alert = Alert(
        subject=f"crm-kpi: account(s) failed to load: {', '.join(summary.failed_accounts)}",
        lines=[
            *(line for line in summary.failures if line.startswith("account ")),
            "The other accounts were loaded and published."
            if summary.published
            else "Nothing was published.",
        ],
        job_name="crm-kpi run",
    )
    return notify(
        alert,
        OrchestrationSettings.from_env(env_vars=False),
        ServingSettings.from_env(env_vars=False),
    )


def format_summary(summary: RunSummary) -> str:
    """The run summary as the console and the log file show it."""
    lines = ["[crm-kpi] " + ("the run succeeded" if summary.success else "the run FAILED:")]
    lines += [f"  - {failure}" for failure in summary.failures]
    if summary.failed_accounts:
        accounts = ", ".join(summary.failed_accounts)
        lines.append(f"[crm-kpi] accounts that failed to load (the others went on): {accounts}")
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


def _data_docs(settings: Settings) -> Path | None:
    from crm_kpi.quality.data_docs import build_index

    return build_index(settings.data_path)  # the Data Docs home page, once per run


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
