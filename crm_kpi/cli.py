"""The ``crm-kpi`` command: demo, run, emulate."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from crm_kpi.config import export_warehouse_env

CRMS = ("amocrm", "bitrix24")


def _quiet_telemetry() -> None:
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


def cmd_demo(args: argparse.Namespace) -> int:
    from crm_kpi.demo import run_demo

    return run_demo(export_warehouse_env(), days=args.days, seed=args.seed)


def cmd_run(args: argparse.Namespace) -> int:
    from crm_kpi.runner import run_nightly
    from ingestion.amocrm.helpers.accounts import missing_settings as amocrm_missing_settings
    from ingestion.pipelines import missing_settings
    from orchestration.assets.bitrix24_ingestion import bitrix24_missing_settings, bitrix24_raw
    from orchestration.assets.crm_ingestion import amocrm_raw
    from orchestration.assets.dbt_models import crm_kpi_dbt

    settings = export_warehouse_env()
    raw_assets = {"amocrm": amocrm_raw, "bitrix24": bitrix24_raw}
    selection = list(crm_kpi_dbt.keys)
    configured = []
    for crm in CRMS:
        if crm == "bitrix24":
            missing = bitrix24_missing_settings()
        elif crm == "amocrm":  # one account or several, long-lived token or OAuth
            missing = amocrm_missing_settings()
        else:
            missing = missing_settings(crm)
        if missing:
            print(f"[crm-kpi] skipping {crm}: not configured (set {', '.join(missing)})")
        else:
            configured.append(crm)
            selection += list(raw_assets[crm].keys)
    if not configured:
        print("[crm-kpi] no CRM is configured; see README.md, 'Point it at your amoCRM account'.")
        return 2
    summary = run_nightly(selection, log_path=settings.data_dir / "logs" / "last_run.log")
    if not summary.success:
        print("[crm-kpi] the run failed:")
        for failure in summary.failures:
            print(f"  - {failure}")
        print(f"[crm-kpi] full log: {summary.log_path}")
        return 1
    print(f"[crm-kpi] done. Warehouse: {settings.warehouse_path}")
    return 0


def cmd_emulate(args: argparse.Namespace) -> int:
    import datetime as dt

    from ingestion.synthetic import CompanyConfig

    config = CompanyConfig(
        seed=args.seed, start_date=dt.date.today() - dt.timedelta(days=args.days), days=args.days
    )
    if args.crm == "bitrix24":
        from ingestion.emulators.bitrix24 import serve as serve_bitrix24

        serve_bitrix24(config, host=args.host, port=args.port)
        return 0
    from ingestion.emulators.amocrm import serve

    serve(config, host=args.host, port=args.port, token=args.token)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``crm-kpi`` command."""
    parser = argparse.ArgumentParser(prog="crm-kpi", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="run the whole pipeline on an emulated amoCRM account")
    demo.add_argument("--days", type=int, default=120, help="days of history (default 120)")
    demo.add_argument("--seed", type=int, default=42, help="seed of the synthetic company")
    demo.set_defaults(handler=cmd_demo)

    run = commands.add_parser("run", help="run the nightly job against the configured CRMs")
    run.set_defaults(handler=cmd_run)

    emulate = commands.add_parser("emulate", help="serve an emulated CRM API")
    emulate.add_argument("crm", choices=["amocrm", "bitrix24"])
    emulate.add_argument("--port", type=int, default=8765)
    emulate.add_argument("--host", default="127.0.0.1")
    emulate.add_argument("--token", default="demo-long-lived-token")
    emulate.add_argument("--days", type=int, default=120)
    emulate.add_argument("--seed", type=int, default=42)
    emulate.set_defaults(handler=cmd_emulate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    _quiet_telemetry()
    args = build_parser().parse_args(argv)
    from crm_kpi.runner import configure_logging

    configure_logging()
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
