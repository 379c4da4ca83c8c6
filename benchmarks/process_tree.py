"""Run a command and measure its wall time and the peak RSS of its whole process tree.

Besides the peak, the samples are kept (time, tree RSS, RSS per process name), so that a
stage's peak can be read from the samples taken inside its time window, and the process that
made the peak is named (``crm-kpi`` itself: Dagster, GX, the win model, the report; ``dbt``:
dbt and its DuckDB).

    python -m benchmarks.process_tree LOG -- COMMAND ...   # measure any command
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Sample:
    """One reading of the tree: epoch seconds, total RSS, RSS per process name (bytes), and
    the machine's 1-minute load average."""

    at: float
    rss: int
    by_process: dict[str, int]
    load: float = 0.0


@dataclass(frozen=True)
class Measured:
    """Wall seconds, peak resident memory of the tree (bytes), the exit code, the samples,
    and the CPU seconds (user + system) of the processes of the tree that were waited for:
    on a loaded machine the wall time grows, the CPU time much less."""

    seconds: float
    peak_rss: int
    returncode: int
    samples: list[Sample] = field(default_factory=list, repr=False)
    cpu_seconds: float = 0.0

    def peak_between(self, start: float, end: float) -> int:
        """Peak tree RSS over the samples taken between epoch seconds ``start`` and ``end``."""
        return max((s.rss for s in self.samples if start <= s.at <= end), default=0)

    def peak_by_process(self) -> dict[str, int]:
        """Each process name's own peak RSS over the run, largest first."""
        peaks: dict[str, int] = {}
        for sample in self.samples:
            for name, rss in sample.by_process.items():
                peaks[name] = max(peaks.get(name, 0), rss)
        return dict(sorted(peaks.items(), key=lambda item: -item[1]))


def _name(pid: int, comm: str) -> str:
    """A short name for a process: the script a Python interpreter runs, else its command."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return comm
    words = [Path(w.decode(errors="replace")).name for w in argv if w]
    if words and words[0].startswith("python") and len(words) > 1:
        words = words[1:] if words[1] != "-m" else words[2:]
    return words[0] if words else comm


def _tree(root: int) -> dict[int, tuple[str, int]]:
    """``pid -> (comm, rss bytes)`` of ``root`` and all its descendants (Linux ``/proc``)."""
    parents: dict[int, int] = {}
    info: dict[int, tuple[str, int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces: the fields start after the last ')'.
        fields = stat[stat.rfind(")") + 2 :].split()
        parents[int(entry)] = int(fields[1])
        info[int(entry)] = (stat[stat.find("(") + 1 : stat.rfind(")")], int(fields[21]) * PAGE_SIZE)
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return {pid: info[pid] for pid in tree if pid in info}


def _sample(root: int, names: dict[int, str]) -> Sample:
    by_process: dict[str, int] = {}
    for pid, (comm, rss) in _tree(root).items():
        if pid not in names:
            names[pid] = _name(pid, comm)
        by_process[names[pid]] = by_process.get(names[pid], 0) + rss
    return Sample(
        at=time.time(),
        rss=sum(by_process.values()),
        by_process=by_process,
        load=os.getloadavg()[0],
    )


def _write_progress(path: Path, samples: list[Sample]) -> None:
    """The peaks so far, so that a run stopped before its end still leaves its figures."""
    measured = Measured(0.0, max(s.rss for s in samples), -1, samples)
    loads = [s.load for s in samples]
    progress = {
        "peak_rss": measured.peak_rss,
        "peak_by_process": measured.peak_by_process(),
        "seconds_so_far": samples[-1].at - samples[0].at,
        "load_mean": sum(loads) / len(loads),
        "load_max": max(loads),
    }
    path.write_text(json.dumps(progress, indent=1))


def run_measured(
    command: Sequence[str],
    env: Mapping[str, str],
    log_path: Path,
    interval: float = 0.25,
    progress_every: int = 40,
) -> Measured:
    """Run ``command`` with its output in ``log_path``, sampling the tree's memory.

    Every ``progress_every`` samples the peaks so far go to ``<log_path>.rss.json``.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    samples: list[Sample] = []
    names: dict[int, str] = {}
    progress = log_path.with_name(log_path.name + ".rss.json")
    with log_path.open("w", encoding="utf-8") as log:
        started, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        process = subprocess.Popen(list(command), env=dict(env), stdout=log, stderr=log)
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                samples.append(_sample(process.pid, names))
                if len(samples) % progress_every == 1:
                    _write_progress(progress, samples)
                done.wait(interval)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        returncode = process.wait()
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        done.set()
        sampler.join()
    if samples:
        _write_progress(progress, samples)
    return Measured(
        seconds=seconds,
        peak_rss=max((s.rss for s in samples), default=0),
        returncode=returncode,
        samples=samples,
        cpu_seconds=(after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
    )


def main(argv: list[str]) -> int:
    """Measure ``COMMAND`` (after ``--``): wall time, tree peak and each process's peak."""
    log, command = Path(argv[0]), argv[argv.index("--") + 1 :]
    measured = run_measured(command, os.environ, log)
    print(
        f"{measured.seconds:.1f} s ({measured.cpu_seconds:.1f} s CPU), "
        f"peak RSS {measured.peak_rss / 2**30:.2f} GB (tree)"
    )
    for name, rss in measured.peak_by_process().items():
        print(f"  {name:<30} {rss / 2**30:6.2f} GB")
    return measured.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
