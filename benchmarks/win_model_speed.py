"""How long training, the out-of-time test and scoring take for one large account.

    python -m benchmarks.win_model_speed --deals 100000

Generates a features frame shaped like ``core.fct_deal_score_features`` (``--deals`` closed
deals, about 2.5 monthly snapshots each, plus open deals to score), then times
``score_account``. Prints the seconds; no assertions.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from crm_kpi.transform.forecasting.scoring import score_account


def synthetic_features(deals: int, seed: int = 7) -> pd.DataFrame:
    """A features frame with a learnable signal (activity, response time, stage)."""
    rng = np.random.default_rng(seed)
    open_deals = max(100, deals // 20)
    snapshots = rng.integers(1, 5, deals + open_deals)
    snapshots[deals:] = 1  # an open deal has one row: the horizon's
    deal_index = np.repeat(np.arange(deals + open_deals), snapshots)
    rows = len(deal_index)
    closed_day = rng.integers(0, 365, deals + open_deals)
    stage = rng.integers(1, 7, rows)
    activities = rng.poisson(3, rows)
    response = rng.exponential(6, rows)
    logit = -1.2 + 0.25 * stage + 0.2 * activities - 0.08 * response
    won = rng.random(deals + open_deals) < 1 / (
        1 + np.exp(-logit[np.searchsorted(deal_index, np.arange(deals + open_deals))])
    )
    is_open = deal_index >= deals
    frame = pd.DataFrame(
        {
            "account_key": "bench:1",
            "known_before": pd.Timestamp("2025-01-01")
            + pd.to_timedelta(closed_day[deal_index] - snapshots[deal_index] * 30, "D"),
            "is_horizon": is_open,
            "deal_id": deal_index.astype(str),
            "deal_name": "deal",
            "pipeline_id": "1",
            "stage_id": stage.astype(str),
            "stage_name": "stage " + stage.astype(str),
            "manager_id": (deal_index % 40).astype(str),
            "amount": rng.lognormal(11, 0.8, rows),
            "lead_source": np.array(["site", "ads", "referral", "(not set)"])[deal_index % 4],
            "days_open": rng.integers(0, 120, rows),
            "days_in_stage": rng.integers(0, 60, rows),
            "stage_win_probability": stage / 8,
            "expected_close_date": pd.Timestamp("2025-02-01"),
            "is_stalled": False,
            "activities_14d": activities,
            "activities_30d": activities + rng.poisson(2, rows),
            "outbound_calls_30d": rng.poisson(2, rows),
            "inbound_30d": rng.poisson(1, rows),
            "meetings_30d": rng.poisson(0.3, rows),
            "days_since_last_activity": rng.integers(0, 30, rows),
            "first_response_hours": response,
            "manager_win_rate_90d": rng.uniform(0.2, 0.6, rows),
            "manager_closed_90d": rng.integers(0, 40, rows),
            "closed_date": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(closed_day[deal_index], "D"),
        }
    )
    frame["is_won"] = np.where(is_open, None, won[deal_index])
    frame.loc[is_open, "closed_date"] = pd.NaT
    return frame


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--deals", type=int, default=100_000, help="closed deals (default 100k)")
    args = parser.parse_args(argv)
    frame = synthetic_features(args.deals)
    started = time.perf_counter()
    result = score_account(frame, "bench:1", trained_at=None)
    seconds = time.perf_counter() - started
    account = result.quality.iloc[0]
    print(
        f"{args.deals} closed deals, {len(frame)} snapshot rows, {len(result.scores)} open deals: "
        f"evaluated, trained and scored in {seconds:.1f} s "
        f"(model AUC {account['model_auc']:.3f} vs stage {account['baseline_auc']:.3f}; "
        f"source {result.source})",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
