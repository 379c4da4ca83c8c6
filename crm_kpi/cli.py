"""The ``crm-kpi`` command: ``run``, plus the commands other distributions plug in.

``demo`` and ``emulate`` come from ``crm-kpi-emulators`` (entry-point group
``crm_kpi.commands``): the product never imports its test doubles.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points

from crm_kpi.config import export_warehouse_env, warehouse_from_env
from crm_kpi.logs import configure_logging
from crm_kpi.stages import STAGE_HELP, chosen_stages


def _quiet_telemetry() -> None:
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


def cmd_run(args: argparse.Namespace) -> int:
    """The nightly job, or the stages chosen with --select/--skip; 0 ok, 1 failed, 2 unusable."""
    from crm_kpi.preflight import settings_errors, source_status

    errors = settings_errors()
    if errors:
        print("[crm-kpi] bad settings, nothing was run:")
        for error in errors:
            print(f"  - {error}")
        return 2
    try:
        stages = chosen_stages(args.select, args.skip)
    except ValueError as error:
        print(f"[crm-kpi] {error}")
        return 2
    status = source_status()
    for crm, missing in status.missing.items():
        print(f"[crm-kpi] skipping {crm}: not configured (set {', '.join(missing)})")
    if not status.configured and "ingestion" in stages:
        from crm_kpi.sources.registry import registered_crms

        titles = ", ".join(plugin.title for plugin in registered_crms())
        print(f"[crm-kpi] no CRM is configured ({titles}); see README.md, 'Point it at your ...'.")
        print("[crm-kpi] (to rebuild from what is already loaded: crm-kpi run --skip ingestion)")
        return 2
    settings = export_warehouse_env()
    print(f"[crm-kpi] running: {', '.join(stages)} (CRMs: {', '.join(status.configured) or '-'})")
    from crm_kpi.orchestration.definitions import defs
    from crm_kpi.orchestration.jobs import NIGHTLY_JOB_NAME
    from crm_kpi.runner import format_summary, run_nightly
    from crm_kpi.stages import selection_for

    selection = selection_for(defs.resolve_job_def(NIGHTLY_JOB_NAME), stages, status.configured)
    summary = run_nightly(selection, log_path=settings.data_dir / "logs" / "last_run.log")
    print(format_summary(summary))
    if summary.success:
        where = settings.warehouse_path or warehouse_from_env().redacted_url
        print(f"[crm-kpi] warehouse: {where}")
    return 0 if summary.success else 1


def cmd_prepare(args: argparse.Namespace) -> int:
    """Parse the dbt project now, so that the first run starts from its manifest.

    dagster-dbt's "prepare" step of a deployment (the Docker image does it at build time,
    ``make`` at install): the run's definitions are built from the manifest, which would
    otherwise be parsed when they first load. The parse is skipped when the manifest is current.
    """
    export_warehouse_env()
    from crm_kpi.orchestration.defs.dbt.dbt_models import dbt_project

    print(f"[crm-kpi] dbt manifest ready: {dbt_project().manifest_path}")
    return 0


COMMAND_GROUP = "crm_kpi.commands"


def _add_plugin_commands(commands: argparse._SubParsersAction) -> None:
    """Add the subcommands registered under ``crm_kpi.commands`` (each a ``register(commands)``)."""
    registered = set()
    for entry in sorted(entry_points(group=COMMAND_GROUP), key=lambda e: e.name):
        entry.load()(commands)
        registered.add(entry.name)
    if "demo" not in registered:
        demo = commands.add_parser("demo", help="run the pipeline on emulated CRMs (needs extras)")
        demo.set_defaults(handler=_demo_missing)


def _demo_missing(args: argparse.Namespace) -> int:
    print(
        "[crm-kpi] the demo serves a synthetic company through CRM emulators, which ship "
        "separately: pip install crm-kpi-emulators (in a checkout: make demo)"
    )
    return 2


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``crm-kpi`` command."""
    parser = argparse.ArgumentParser(prog="crm-kpi", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run",
        help="run the nightly job against the configured CRMs",
        description="Run the job the schedule runs: "
        + "; ".join(f"{name}: {text}" for name, text in STAGE_HELP.items()),
    )
    run.add_argument("--select", nargs="+", metavar="STAGE", help="run only these stages")
    run.add_argument("--skip", nargs="+", metavar="STAGE", help="run every stage but these")
    run.set_defaults(handler=cmd_run)

    prepare = commands.add_parser(
        "prepare",
        help="parse the dbt project ahead of the first run (make does it at install)",
        description=cmd_prepare.__doc__,
    )
    prepare.set_defaults(handler=cmd_prepare)

    _add_plugin_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    _quiet_telemetry()
    args = build_parser().parse_args(argv)
    configure_logging()
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        return 130


def console_main() -> None:
    """The ``crm-kpi`` command: ``main``, then a prompt exit.

    A run leaves a large heap behind (Dagster, dbt's manifest, GX, pandas); the interpreter's
    teardown freed it object by object for ~2.5 s after the work was done. The exit handlers
    run and the output is flushed as on a normal exit; only that teardown is skipped.
    """
    code = main()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    console_main()
