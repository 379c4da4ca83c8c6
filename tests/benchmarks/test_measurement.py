"""The benchmark's measurement: tree RSS sampled per process and per stage window, dbt's run
results split into models and tests, and a part's result kept between invocations."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from benchmarks.process_tree import run_measured
from benchmarks.report import PartResult, print_report
from benchmarks.stages import Stage, dbt_split

# 200 MB touched page by page (so resident), held for a while.
ALLOCATE = (
    "import time; block = bytearray(200 * 2**20); "
    "block[::4096] = b'x' * len(block[::4096]); time.sleep(1)"
)


def test_peak_rss_of_a_child_process_is_sampled_and_named(tmp_path: Path) -> None:
    started = time.time()
    measured = run_measured([sys.executable, "-c", ALLOCATE], {}, tmp_path / "log", 0.1)
    assert measured.returncode == 0
    assert measured.peak_rss > 200 * 2**20
    assert 0 < measured.cpu_seconds < measured.seconds
    assert measured.peak_between(started, time.time()) == measured.peak_rss
    assert measured.peak_between(0, 1) == 0  # no sample in that window
    assert max(measured.peak_by_process().values()) > 200 * 2**20
    progress = json.loads((tmp_path / "log.rss.json").read_text())  # left even if stopped
    assert progress["peak_rss"] == measured.peak_rss


def test_dbt_split_sums_models_and_tests_with_their_windows(tmp_path: Path) -> None:
    build = tmp_path / "run-1"
    build.mkdir()
    timing = [
        {"name": "compile",
         "started_at": "2026-12-01T10:00:00Z", "completed_at": "2026-12-01T10:00:01"},
        {"name": "execute",
         "started_at": "2026-12-01T10:00:01Z", "completed_at": "2026-12-01T10:00:05"},
    ]  # fmt: skip
    results = [
        {"unique_id": "model.p.a", "execution_time": 4.0, "timing": timing,
         "adapter_response": {"rows_affected": 10}},
        {"unique_id": "model.p.b", "execution_time": 1.5, "timing": [], "adapter_response": {}},
        {"unique_id": "test.p.t", "execution_time": 0.5, "timing": timing},
    ]  # fmt: skip
    (build / "run_results.json").write_text(json.dumps({"results": results}))
    split = dbt_split(tmp_path)
    assert split["dbt models"].seconds == 5.5
    assert split["dbt models"].rows == 10
    assert split["dbt tests"].rows is None
    (start, end) = split["dbt tests"].windows[0]
    assert end - start == 4.0


def test_parts_saved_separately_print_in_one_table(tmp_path: Path, capsys) -> None:
    measured = run_measured([sys.executable, "-c", "pass"], {}, tmp_path / "log", 0.05)
    window = (measured.samples[0].at, measured.samples[-1].at)
    stages = {"dbt models": Stage(seconds=2.0, windows=[window], rows=7)}
    PartResult.of(measured, stages, rows=7).save(tmp_path, "full")
    PartResult.of(measured, {}, rows=5).save(tmp_path, "bare")
    print_report("shape test", tmp_path)
    printed = capsys.readouterr().out
    assert "dbt models" in printed and "bare SQL (wall)" in printed
    assert "incremental: not run" in printed
    assert "ratio full / bare: 1.00" in printed
    assert PartResult.load(tmp_path, "full").stages["dbt models"].peak_rss > 0
