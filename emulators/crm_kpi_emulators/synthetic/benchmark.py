"""How fast the synthetic company streams, and how little memory it needs.

    python -m crm_kpi_emulators.synthetic.benchmark --deals 100000 [--tracemalloc]

Prints deals and activities generated per second and the peak memory (resident set size,
or the Python heap with ``--tracemalloc``, which slows generation down). No assertions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import time
import tracemalloc

from .config import CompanyConfig
from .history import DealCreated
from .simulation import Company

DAYS = 365
WEEK_SHARE = (5 + 0.35 + 0.18) / 7  # average day relative to a weekday (see behaviour.py)


def config_for(deals: int, seed: int) -> CompanyConfig:
    """A company that creates about ``deals`` deals in a year, staffed to match."""
    per_day = max(1.0, deals / (DAYS * WEEK_SHARE))
    managers = max(8, round(per_day / 1.25))
    return CompanyConfig(
        seed=seed,
        managers=managers,
        teams=max(2, managers // 10),
        start_date=dt.date(2025, 1, 6),
        days=DAYS * 10,
        deals_per_day=per_day,
    )


def run(deals: int, seed: int, trace: bool) -> None:
    """Stream days until ``deals`` deals exist, printing progress and the final figures."""
    config = config_for(deals, seed)
    print(
        f"company: {config.managers} managers, {config.deals_per_day:.1f} deals per weekday, "
        f"target {deals:,} deals"
    )
    if trace:
        tracemalloc.start()
    company = Company(config)
    started = time.perf_counter()
    made = activities = tasks = facts = days = 0
    next_report = max(1, deals // 10)
    for day in company.days():
        days += 1
        made += sum(1 for fact in day.history if isinstance(fact, DealCreated))
        activities += len(day.activities)
        tasks += len(day.tasks)
        facts += len(day.history)
        if made >= next_report or made >= deals:
            elapsed = time.perf_counter() - started
            print(
                f"  day {days:4d}: {made:,} deals, {activities:,} activities "
                f"({made / elapsed:,.0f} deals/s, {activities / elapsed:,.0f} activities/s), "
                f"in play: {company.in_play}"
            )
            next_report += max(1, deals // 10)
        if made >= deals:
            break
    elapsed = time.perf_counter() - started
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"generated {days} days in {elapsed:.1f} s")
    print(f"deals:      {made:,} ({made / elapsed:,.0f}/s)")
    print(f"activities: {activities:,} calls, e-mails and notes ({activities / elapsed:,.0f}/s)")
    print(f"task snapshots: {tasks:,}; history facts: {facts:,}")
    print(f"peak RSS: {peak_rss_mb:,.0f} MB")
    if trace:
        _, peak = tracemalloc.get_traced_memory()
        print(f"peak Python heap (tracemalloc): {peak / 2**20:,.1f} MB")


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Benchmark the synthetic company generator.")
    parser.add_argument("--deals", type=int, default=100_000, help="deals to generate")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--tracemalloc", action="store_true", help="measure the Python heap")
    args = parser.parse_args(argv)
    run(args.deals, args.seed, args.tracemalloc)


if __name__ == "__main__":
    main()
