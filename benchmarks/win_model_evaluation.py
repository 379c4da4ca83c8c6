"""Acceptance figures of the forecast and the win model on a synthetic company (or a warehouse).

    python -m benchmarks.win_model_evaluation --months 12  # a 12-month company
    python -m benchmarks.win_model_evaluation --warehouse w.duckdb  # reuse one

Without ``--warehouse`` it runs the demo (emulated amoCRM and Bitrix24, the whole nightly job)
on a company with ``--months`` of history into a temporary data directory. Prints, per account,
the win model's out-of-time AUC and Brier score beside the stage baseline's
(``mart_win_model_quality``) and the forecast's ``backtest_mape`` beside ``naive_mape``
(``mart_revenue_forecast``, account rows). No assertions.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import duckdb

QUALITY_QUERY = """
select account_key, n_closed_deals, n_train, n_test, cutoff_date, model_auc, baseline_auc,
       model_brier, baseline_brier, win_probability_source, decision
from marts.mart_win_model_quality
where pipeline_id is null
order by account_key
"""
FORECAST_QUERY = """
select account_key, month_start, won_to_date, expected_in_month, forecast_revenue,
       backtest_mape, naive_mape, backtest_months
from marts.mart_revenue_forecast
where pipeline_id is null and month_status = 'current'
order by account_key
"""


def _figure(value: object, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def report(warehouse: Path) -> str:
    """The figures, as printable text."""
    lines = []
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        for row in connection.execute(QUALITY_QUERY).fetchall():
            (account, closed, n_train, n_test, cutoff, m_auc, b_auc, m_brier, b_brier, source,
             decision) = row  # fmt: skip
            lines.append(
                f"{account}: win model out of time (cut-off {cutoff}, {closed} closed deals, "
                f"{n_train} train / {n_test} test snapshots): AUC {_figure(m_auc)} vs stage "
                f"{_figure(b_auc)}, Brier {_figure(m_brier, 4)} vs stage {_figure(b_brier, 4)} "
                f"-> {source} ({decision})"
            )
        for row in connection.execute(FORECAST_QUERY).fetchall():
            account, month, won, expected, forecast, mape, naive, months = row
            lines.append(
                f"{account}: forecast {month:%Y-%m} = {won:,.0f} won + {expected:,.0f} expected "
                f"= {forecast:,.0f}; backtest_mape {_figure(mape)} vs naive_mape "
                f"{_figure(naive)} over {months} months"
            )
    return "\n".join(lines)


def build_company(months: int, seed: int, data_dir: Path) -> Path:
    """Run the demo on a company with ``months`` of history; the warehouse it wrote."""
    from crm_kpi_emulators.demo import run_demo

    from crm_kpi.config import DATA_DIR_ENV, WAREHOUSE_ENV, export_warehouse_env

    os.environ[DATA_DIR_ENV] = str(data_dir)
    os.environ[WAREHOUSE_ENV] = str(data_dir / "crm_kpi.duckdb")
    os.environ.setdefault("CRM_KPI_SERVING_DIR", str(data_dir / "serving"))
    settings = export_warehouse_env()
    run_demo(settings, days=round(months * 30.5) + 15, seed=seed)
    return settings.warehouse_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--months", type=int, default=12, help="months of history (default 12)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--warehouse", type=Path, help="reuse this warehouse instead")
    args = parser.parse_args(argv)
    if args.warehouse is not None:
        warehouse = args.warehouse
    else:
        warehouse = build_company(
            args.months, args.seed, Path(tempfile.mkdtemp(prefix="crm_kpi_eval_"))
        )
    print(report(warehouse), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
