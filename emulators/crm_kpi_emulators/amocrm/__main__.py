"""``python -m crm_kpi_emulators.amocrm --port 8080``: serve a synthetic company."""

from __future__ import annotations

import argparse
import datetime as dt

from crm_kpi_emulators.synthetic import CompanyConfig

from .server import serve


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve until Ctrl+C."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--token", default="demo-token")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--deals-per-day", type=float, default=10.0)
    parser.add_argument(
        "--start-date",
        type=dt.date.fromisoformat,
        default=None,
        help="first simulated day, YYYY-MM-DD (default: so that the last day is yesterday)",
    )
    args = parser.parse_args(argv)
    start = args.start_date or dt.date.today() - dt.timedelta(days=args.days)
    config = CompanyConfig(
        seed=args.seed, start_date=start, days=args.days, deals_per_day=args.deals_per_day
    )
    serve(config, host=args.host, port=args.port, token=args.token)


if __name__ == "__main__":
    main()
