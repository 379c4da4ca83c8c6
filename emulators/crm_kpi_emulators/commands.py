"""The ``crm-kpi demo`` and ``crm-kpi emulate`` subcommands (entry points ``crm_kpi.commands``)."""

from __future__ import annotations

import argparse
import datetime as dt


def register_demo(commands: argparse._SubParsersAction) -> None:
    """Add ``crm-kpi demo``: the whole pipeline on an emulated account of every CRM."""
    demo = commands.add_parser("demo", help="run the whole pipeline on emulated CRM accounts")
    demo.add_argument("--days", type=int, default=120, help="days of history (default 120)")
    demo.add_argument("--seed", type=int, default=42, help="seed of the synthetic company")
    demo.set_defaults(handler=_cmd_demo)


def register_emulate(commands: argparse._SubParsersAction) -> None:
    """Add ``crm-kpi emulate CRM``: serve one emulated CRM API until interrupted."""
    emulate = commands.add_parser("emulate", help="serve an emulated CRM API")
    # Checked when run (not argparse choices): listing them would load every CRM's source on
    # every ``crm-kpi`` command.
    emulate.add_argument("crm", metavar="CRM", help="a registered CRM with an emulator")
    emulate.add_argument("--port", type=int, default=8765)
    emulate.add_argument("--host", default="127.0.0.1")
    emulate.add_argument("--token", default="demo-long-lived-token")
    emulate.add_argument("--days", type=int, default=120)
    emulate.add_argument("--seed", type=int, default=42)
    emulate.set_defaults(handler=_cmd_emulate)


def _cmd_demo(args: argparse.Namespace) -> int:
    from crm_kpi.config import export_warehouse_env
    from crm_kpi_emulators.demo import run_demo

    return run_demo(export_warehouse_env(), days=args.days, seed=args.seed)


def _cmd_emulate(args: argparse.Namespace) -> int:
    from crm_kpi.sources.registry import registered_crms
    from crm_kpi_emulators.registry import emulator_of
    from crm_kpi_emulators.synthetic import CompanyConfig

    plugins = {plugin.name: plugin for plugin in registered_crms() if plugin.emulator}
    if args.crm not in plugins:
        print(f"[crm-kpi] no emulator for {args.crm!r}; choose one of: {', '.join(plugins)}")
        return 2
    config = CompanyConfig(
        seed=args.seed, start_date=dt.date.today() - dt.timedelta(days=args.days), days=args.days
    )
    emulator = emulator_of(plugins[args.crm])
    assert emulator is not None  # plugins with an emulator only
    emulator.serve(config, args.host, args.port, args.token)
    return 0
