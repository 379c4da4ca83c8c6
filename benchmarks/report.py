"""The benchmark's result: per stage wall time, peak RSS and rows; the ratios; the commit.

Each part (full, incremental, bare) is summarised into ``results_<part>.json`` of the work
folder when it finishes, so that parts run separately (``--only``) print in one table.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchmarks.process_tree import Measured
from benchmarks.stages import Stage

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("full", "incremental", "bare")
# Printed first, in this order; any other stage after them.
STAGE_ORDER = (
    "inputs",
    "dbt (models + tests)",
    "dbt models",
    "dbt tests",
    "dbt other",
    "quality checks",
    "win model",
    "publish",
    "report",
)


@dataclass
class StageResult:
    """A stage's wall seconds, the tree's peak RSS while it ran (bytes) and its rows."""

    seconds: float
    peak_rss: int
    rows: int | None


@dataclass
class PartResult:
    """One measured part: the whole command and its stages."""

    seconds: float
    peak_rss: int
    returncode: int
    rows: int | None
    commit: str
    finished_at: str
    load_mean: float
    load_max: float
    by_process: dict[str, int] = field(default_factory=dict)
    stages: dict[str, StageResult] = field(default_factory=dict)
    cpu_seconds: float = 0.0

    @classmethod
    def of(cls, measured: Measured, stages: Mapping[str, Stage], rows: int | None) -> PartResult:
        """Summarise a measured command and the stages read from its run."""
        loads = [sample.load for sample in measured.samples] or [0.0]
        return cls(
            seconds=measured.seconds,
            peak_rss=measured.peak_rss,
            returncode=measured.returncode,
            rows=rows,
            commit=commit(),
            finished_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            load_mean=sum(loads) / len(loads),
            load_max=max(loads),
            by_process=measured.peak_by_process(),
            cpu_seconds=measured.cpu_seconds,
            stages={
                name: StageResult(
                    seconds=stage.seconds,
                    peak_rss=max((measured.peak_between(*w) for w in stage.windows), default=0),
                    rows=stage.rows,
                )
                for name, stage in stages.items()
            },
        )

    def save(self, work: Path, part: str) -> None:
        """Write ``results_<part>.json`` into ``work``."""
        (work / f"results_{part}.json").write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def load(cls, work: Path, part: str) -> PartResult | None:
        """The saved result of ``part`` in ``work``, if that part ran there."""
        path = work / f"results_{part}.json"
        if not path.exists():
            return None
        data = json.loads(path.read_text())
        data["stages"] = {k: StageResult(**v) for k, v in data["stages"].items()}
        return cls(**data)


def gb(value: int) -> str:
    """Bytes as GB with two decimals."""
    return f"{value / 2**30:.2f} GB"


def commit() -> str:
    """The measured commit (short hash, ``+dirty`` when the tree has uncommitted changes)."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()

    dirty = git("status", "--porcelain", "--untracked-files=no")
    return git("rev-parse", "--short", "HEAD") + ("+dirty" if dirty else "")


EMPTY = f"{'-':>8}{'-':>10}{'-':>12}"


def _cells(seconds: float, peak: int, rows: int | None) -> str:
    shown = f"{rows:,}" if rows is not None else "-"
    return f"{seconds:>8.1f}{(gb(peak) if peak else '-'):>10}{shown:>12}"


def _stage(part: PartResult | None, stage: str) -> str:
    if part is None or stage not in part.stages:
        return EMPTY
    figures = part.stages[stage]
    return _cells(figures.seconds, figures.peak_rss, figures.rows)


def _whole(part: PartResult | None) -> str:
    if part is None:
        return EMPTY
    failed = "" if part.returncode == 0 else f"  FAILED (exit {part.returncode})"
    return _cells(part.seconds, part.peak_rss, part.rows) + failed


def print_report(header: str, work: Path) -> None:
    """The table of the parts that ran in ``work``: stages (wall s, peak RSS of the process
    tree while the stage ran, rows) of the full and incremental runs, the whole runs and the
    bare SQL; then the peak by process, the load average, the commits and the ratios."""
    results = {part: PartResult.load(work, part) for part in PARTS}
    full, incremental, bare = (results[part] for part in PARTS)
    print(f"\n{header}; {os.cpu_count()} cores")
    columns = f"{'s':>8}{'peak RSS':>10}{'rows':>12}"
    print(f"{'':<24}{'full nightly':^30}  {'incremental nightly':^30}")
    print(f"{'stage':<24}{columns}  {columns}")
    names = {name for part in (full, incremental) if part for name in part.stages}
    for stage in [s for s in STAGE_ORDER if s in names] + sorted(names - set(STAGE_ORDER)):
        print(f"{stage:<24}{_stage(full, stage)}  {_stage(incremental, stage)}")
    print(f"{'whole run (wall)':<24}{_whole(full)}  {_whole(incremental)}")
    print(f"{'bare SQL (wall)':<24}{_whole(bare)}")
    for name, part in results.items():
        if part is None:
            print(f"{name}: not run")
            continue
        top = ", ".join(f"{p} {gb(rss)}" for p, rss in list(part.by_process.items())[:3])
        print(
            f"{name}: {part.cpu_seconds:.0f} s CPU (user + system, whole tree); "
            f"commit {part.commit}, finished {part.finished_at}, load average "
            f"{part.load_mean:.1f} mean / {part.load_max:.1f} max; peak RSS by process: {top}"
        )
    if full and bare:
        print(f"ratio full / bare: {full.seconds / max(bare.seconds, 1e-9):.2f}")
    if full and incremental:
        print(f"ratio incremental / full: {incremental.seconds / max(full.seconds, 1e-9):.2f}")
