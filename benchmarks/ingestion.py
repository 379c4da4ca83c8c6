"""Ingestion throughput and incremental request counts against the local CRM emulators.

    python -m benchmarks.ingestion --crm amocrm|bitrix24|all --deals N [--days D]
        [--change-days 1] [--workdir DIR] [--seed S] [--profile [TOP]]

For each CRM it starts the emulator in a child process with the API's rate limits off (the
emulator's ``benchmarked`` mode; the demo's stays realistic), serving a synthetic company of
about ``N`` deals over ``D`` days; runs the real dlt source into a fresh DuckDB file (parquet
loader) stage by stage, and prints rows loaded, wall time, rows/s per stage and per table, API
requests by endpoint, CPU seconds of the client and of the emulator, and peak RSS. Then the
company lives ``--change-days`` more days, an incremental run follows, and it prints the
requests made per endpoint against ``changed rows / page size`` plus the dictionary calls
(issue #11: requests <= 1.1 x changed rows / page size + the dictionary calls). Prints, never
asserts. ``--profile`` runs the full load under ``cProfile`` and prints the client's top functions
(by own time and by cumulative time) after the per-stage split.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import math
import multiprocessing as mp
import os
import pstats
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pandas  # noqa: F401  (see ``bench``)
from crm_kpi_emulators.registry import emulator_of
from crm_kpi_emulators.synthetic import CompanyConfig

from crm_kpi.sources.pipelines import LOADER_FILE_FORMAT
from crm_kpi.sources.registry import CrmPlugin, crm, registered_crms

TOKEN = "benchmark-token"
WEEK_SHARE = (5 + 0.35 + 0.18) / 7  # an average day relative to a weekday (synthetic company)
BOUND_FACTOR = 1.1


def company_for(deals: int, days: int, seed: int) -> CompanyConfig:
    """A company that creates about ``deals`` deals in ``days`` days, staffed to match; the
    day after them (the day of changes) is a working day."""
    per_day = max(1.0, deals / (days * WEEK_SHARE))
    managers = max(8, round(per_day / 1.25))
    changes_on = dt.date.today() - dt.timedelta(days=30)
    changes_on -= dt.timedelta(days=(changes_on.weekday() - 2) % 7)  # a Wednesday
    return CompanyConfig(
        seed=seed,
        managers=managers,
        teams=max(2, managers // 10),
        start_date=changes_on - dt.timedelta(days=days),
        days=days,
        deals_per_day=per_day,
    )


# ---- the emulator in a child process ---------------------------------------------------------


def _serve(crm_name: str, config: CompanyConfig, connection: Any) -> None:
    """Child process: serve the benchmarked account and answer the parent's commands."""
    emulator = emulator_of(crm(crm_name))
    assert emulator is not None and emulator.benchmarked is not None
    with emulator.benchmarked(config, TOKEN) as account:
        connection.send((account.settings, account.build_seconds, account.counts))
        while True:
            command, argument = connection.recv()
            if command == "stop":
                break
            if command == "requests":
                answer: Any = account.requests()
            elif command == "reset":
                account.reset_requests()
                answer = None
            elif command == "advance":
                answer = account.advance(int(argument))
            else:  # "usage"
                rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                answer = (time.process_time(), rss_kb / 1024)
            connection.send(answer)


class EmulatorProcess:
    """The emulator of one CRM, serving from a child process (its own core and GIL)."""

    def __init__(self, plugin: CrmPlugin, config: CompanyConfig) -> None:
        context = mp.get_context("spawn")
        self._connection, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(plugin.name, config, child), daemon=True
        )

    def __enter__(self) -> EmulatorProcess:
        self._process.start()
        self.settings, self.build_seconds, self.counts = self._connection.recv()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process.is_alive():
            self._connection.send(("stop", None))
            self._process.join(timeout=30)
        if self._process.is_alive():
            self._process.terminate()

    def ask(self, command: str, argument: Any = None) -> Any:
        """Send a command to the child and wait for its answer."""
        self._connection.send((command, argument))
        return self._connection.recv()


# ---- one measured run ------------------------------------------------------------------------


@dataclass
class RunFigures:
    """What one dlt run took."""

    stages: dict[str, float] = field(default_factory=dict)  # extract / normalize / load: s
    rows: dict[str, int] = field(default_factory=dict)  # per table (normalize's counts)
    spans: dict[str, float] = field(default_factory=dict)  # per table: first to last item, s
    requests: dict[str, int] = field(default_factory=dict)  # per endpoint
    client_cpu: float = 0.0
    server_cpu: float = 0.0

    @property
    def wall(self) -> float:
        """Seconds of the three stages."""
        return sum(self.stages.values())

    @property
    def total_rows(self) -> int:
        """Rows of the API's tables (dlt's own tables left out)."""
        return sum(n for table, n in self.rows.items() if not table.startswith("_dlt"))


def _stamped(source: Any, spans: dict[str, list[float]]) -> Any:
    """Record when each resource yields its first and last item (its extract span)."""

    def stamper(name: str) -> Any:
        def stamp(item: Any) -> Any:  # dlt passes ``meta`` to a second parameter: none here
            now = time.perf_counter()
            span = spans.setdefault(name, [now, now])
            span[1] = now
            return item

        return stamp

    for name, resource_ in source.resources.items():
        resource_.add_map(stamper(name))
    return source


def measured_run(
    pipeline: dlt.Pipeline, plugin: CrmPlugin, emulator: EmulatorProcess
) -> RunFigures:
    """Extract, normalize and load one run of ``plugin``'s source, timing each stage."""
    figures, spans = RunFigures(), {}
    emulator.ask("reset")
    server_before, _ = emulator.ask("usage")
    client_before = time.process_time()
    started = time.perf_counter()
    pipeline.extract(_stamped(plugin.source(), spans), loader_file_format=LOADER_FILE_FORMAT)
    figures.stages["extract"] = time.perf_counter() - started
    started = time.perf_counter()
    info = pipeline.normalize()
    figures.stages["normalize"] = time.perf_counter() - started
    started = time.perf_counter()
    pipeline.load()
    figures.stages["load"] = time.perf_counter() - started
    figures.client_cpu = time.process_time() - client_before
    figures.server_cpu = emulator.ask("usage")[0] - server_before
    figures.rows = dict(info.row_counts)
    figures.spans = {name: last - first for name, (first, last) in spans.items()}
    figures.requests = emulator.ask("requests")
    return figures


# ---- the report ------------------------------------------------------------------------------


def _rate(rows: float, seconds: float) -> str:
    return f"{rows / seconds:,.0f}/s" if seconds > 0 else "-"


def print_full(figures: RunFigures) -> None:
    """The full load: stages, tables, requests and CPU."""
    total = figures.total_rows
    print(f"  rows loaded: {total:,} in {figures.wall:.1f} s = {_rate(total, figures.wall)}")
    for stage, seconds in figures.stages.items():
        print(f"    {stage:<10} {seconds:7.1f} s  {_rate(total, seconds):>12}")
    # dlt extracts resources round-robin: the spans overlap, they do not add up to extract.
    print("  per table (rows, extract span: first to last row, rows/s over the span):")
    for table, rows in sorted(figures.rows.items(), key=lambda item: -item[1]):
        if table.startswith("_dlt"):
            continue
        span = figures.spans.get(table, 0.0)
        print(f"    {table:<32} {rows:>10,} {span:7.1f} s {_rate(rows, span):>12}")
    print(f"  API requests: {sum(figures.requests.values()):,}")
    for endpoint, count in sorted(figures.requests.items(), key=lambda item: -item[1]):
        print(f"    {endpoint:<44} {count:>7,}")
    print(
        f"  CPU: client {figures.client_cpu:.1f} s, emulator {figures.server_cpu:.1f} s "
        f"(wall {figures.wall:.1f} s)"
    )


def print_incremental(figures: RunFigures, changed: dict[str, tuple[int, int]]) -> None:
    """The incremental run: requests per endpoint against changed rows / page size."""
    print(f"  incremental run: {figures.total_rows:,} rows in {figures.wall:.1f} s")
    for stage, seconds in figures.stages.items():
        print(f"    {stage:<10} {seconds:7.1f} s")
    print(f"  CPU: client {figures.client_cpu:.1f} s, emulator {figures.server_cpu:.1f} s")
    print("  incremental endpoints (changed rows, page size, requests, ceil(rows/page)):")
    made = needed = 0
    exact = 0.0
    for endpoint, (rows, page) in sorted(changed.items()):
        count = figures.requests.get(endpoint, 0)
        made += count
        needed += max(1, math.ceil(rows / page))
        exact += rows / page
        print(f"    {endpoint:<32} {rows:>8,} {page:>5} {count:>6} {math.ceil(rows / page):>6}")
    dictionary = {e: n for e, n in figures.requests.items() if e not in changed}
    calls = sum(dictionary.values())
    print("  dictionary and reconciliation calls (read whole on every run):")
    for endpoint, count in sorted(dictionary.items()):
        print(f"    {endpoint:<44} {count:>5}")
    print(
        f"  requests: {made + calls} = {made} incremental + {calls} dictionary; "
        f"bound {BOUND_FACTOR} x changed rows / page size + dictionary calls = "
        f"{BOUND_FACTOR * exact + calls:.1f} (at least one request per endpoint: "
        f"{max(needed, math.ceil(BOUND_FACTOR * exact)) + calls})"
    )


# ---- the command -----------------------------------------------------------------------------


def print_profile(profile: cProfile.Profile, top: int) -> None:
    """The client's ``top`` functions by own time, then by cumulative time."""
    for order in ("tottime", "cumulative"):
        print(f"  client profile, top {top} by {order}:")
        stats = pstats.Stats(profile, stream=sys.stdout)
        stats.strip_dirs().sort_stats(order).print_stats(top)


def bench(
    plugin: CrmPlugin,
    config: CompanyConfig,
    workdir: Path,
    change_days: int,
    profile_top: int = 0,
) -> None:
    """Full load, a day of changes, incremental load: measured and printed."""
    folder = workdir / plugin.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(
        f"\n== {plugin.title}: {config.deals_per_day:.1f} deals per weekday for {config.days} days"
    )
    # The file stays open for the whole load, as the Dagster asset keeps an account's file
    # (``crm_kpi.sources.pipelines.opened_account_file``).
    with (
        EmulatorProcess(plugin, config) as emulator,
        duckdb.connect(str(folder / "raw.duckdb")) as connection,
    ):
        print(f"  emulator built in {emulator.build_seconds:.1f} s: {emulator.counts}")
        os.environ.update(emulator.settings)
        pipeline = dlt.pipeline(
            pipeline_name=f"bench_{plugin.name}",
            destination=dlt.destinations.duckdb(connection),
            dataset_name=plugin.raw_schema,
            pipelines_dir=str(folder / "dlt"),
        )
        # pandas is imported above: the Dagster step that ingests has it loaded with the
        # definitions, and pyarrow would import it on the first page (~1 s once, not rows/s).
        # CPU time, not wall: on a shared machine wall time is mostly waiting for a core.
        profile = cProfile.Profile(time.process_time) if profile_top else None
        if profile is not None:
            profile.enable()
        full = measured_run(pipeline, plugin, emulator)
        if profile is not None:
            profile.disable()
        print_full(full)
        if profile is not None:
            print_profile(profile, profile_top)
        changed = emulator.ask("advance", change_days)
        print(f"  the company lives {change_days} more day(s)")
        print_incremental(measured_run(pipeline, plugin, emulator), changed)
        _, server_rss = emulator.ask("usage")
    client_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS: client {client_rss:,.0f} MB, emulator {server_rss:,.0f} MB")


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    names = [plugin.name for plugin in registered_crms() if emulator_of(plugin) is not None]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--crm", choices=[*names, "all"], default="all")
    parser.add_argument("--deals", type=int, default=20_000, help="deals over --days")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--change-days", type=int, default=1)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "crm-kpi-ingestion-bench"
    )
    parser.add_argument(
        "--profile",
        type=int,
        nargs="?",
        const=25,
        default=0,
        metavar="TOP",
        help="profile the full load (cProfile) and print the TOP functions (default 25)",
    )
    args = parser.parse_args(argv)
    config = company_for(args.deals, args.days, args.seed)
    print(
        f"ingestion benchmark {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
    )
    for name in names if args.crm == "all" else [args.crm]:
        bench(crm(name), config, args.workdir, args.change_days, args.profile)
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
