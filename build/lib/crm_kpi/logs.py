"""Progress on the console, the whole run in the log file, and the warnings a run collects.

No Dagster import here: the command line sets up logging before it knows whether it will
load the code location at all.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

PROJECT_LOGGER = "crm_kpi"
INGESTION_LOGGER = "crm_kpi.ingestion"
# dagster-dbt and Dagster's own helpers log below this one (get_dagster_logger).
DAGSTER_LOGGER = "dagster"
FILE_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def configure_logging() -> None:
    """Show our own progress lines (rows loaded, steps, checks) on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", datefmt="%H:%M:%S"))
    project_logger = logging.getLogger(PROJECT_LOGGER)
    project_logger.addHandler(handler)
    project_logger.setLevel(logging.INFO)
    project_logger.propagate = False


class _Collector(logging.Handler):
    """Keeps the formatted WARNING (and worse) records of one logger tree."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@dataclass
class RunLog:
    """The log file of one run (``None``: no file) and the ingestion warnings seen so far."""

    path: Path | None
    stream: TextIO | None = None
    ingestion_warnings: list[str] = field(default_factory=list)

    def write(self, text: str) -> None:
        """Append ``text`` (a block, e.g. the summary or a traceback) to the log file."""
        if self.stream is not None:
            self.stream.write(text.rstrip("\n") + "\n")
            self.stream.flush()


@contextlib.contextmanager
def run_log(path: Path | None) -> Iterator[RunLog]:
    """Send the run's progress, Dagster's and dbt's output to ``path``; collect warnings.

    The file is line-buffered, so a run killed half-way leaves a log up to that point.
    What tools print on stdout (dbt's log of every node) goes to the file, not the console.
    """
    collector = _Collector()
    ingestion = logging.getLogger(INGESTION_LOGGER)
    ingestion.addHandler(collector)
    with contextlib.ExitStack() as stack:
        stack.callback(ingestion.removeHandler, collector)
        log = RunLog(path=path, ingestion_warnings=collector.messages)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            stream = stack.enter_context(path.open("w", encoding="utf-8", buffering=1))
            log.stream = stream
            handler = logging.StreamHandler(stream)
            handler.setFormatter(logging.Formatter(FILE_FORMAT))
            handler.setLevel(logging.INFO)
            for name in (PROJECT_LOGGER, DAGSTER_LOGGER):
                logger = logging.getLogger(name)
                logger.addHandler(handler)
                stack.callback(logger.removeHandler, handler)
            stack.enter_context(contextlib.redirect_stdout(stream))
        try:
            yield log
        except BaseException:
            log.write(traceback.format_exc())
            raise
