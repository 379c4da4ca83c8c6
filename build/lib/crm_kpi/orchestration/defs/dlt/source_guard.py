"""Run a dlt load inside an asset: permanent API errors fail at once, source warnings show.

Two contracts with the sources (``ingestion/``):

* a client error that waiting cannot heal is a ``PermanentApiError`` (possibly wrapped by dlt):
  the step fails with ``Failure(allow_retries=False)``, so the job's retry policy, meant for
  429s, 5xx and timeouts, does not retry it for minutes;
* an optional endpoint that failed is skipped with a WARNING on the ``crm_kpi.ingestion``
  logger: each such warning becomes a warning in the step's Dagster log and the
  ``source_warnings`` metadata of every table the step loaded (and the run summary lists it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from dagster import AssetExecutionContext, Failure, MaterializeResult, MetadataValue

from crm_kpi.sources.common.errors import PermanentApiError

INGESTION_LOGGER = "crm_kpi.ingestion"


def permanent_cause(error: BaseException) -> PermanentApiError | None:
    """The ``PermanentApiError`` behind ``error`` (dlt wraps what a resource raises), if any."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, PermanentApiError):
            return current
        # dlt's PipelineStepFailed keeps the original in `.exception`
        wrapped = getattr(current, "exception", None)
        pending += [current.__cause__, current.__context__]
        if isinstance(wrapped, BaseException):
            pending.append(wrapped)
    return None


class _WarningCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _with_warnings(event: Any, warnings: list[str]) -> Any:
    if not warnings or not isinstance(event, MaterializeResult):
        return event
    markdown = MetadataValue.md("\n".join(f"- {w}" for w in warnings))
    return event._replace(metadata={**(event.metadata or {}), "source_warnings": markdown})


def guarded_load(
    context: AssetExecutionContext, load: Callable[[], Iterable[Any]]
) -> Iterator[Any]:
    """Yield the events of ``load()`` (a dlt run, source built inside), turning permanent API
    errors into unretried failures and source warnings into Dagster warnings and metadata."""
    collector = _WarningCollector()
    source_logger = logging.getLogger(INGESTION_LOGGER)
    source_logger.addHandler(collector)
    try:
        loaded = list(load())
    except Exception as error:
        permanent = permanent_cause(error)
        if permanent is None:
            raise
        raise Failure(
            description=str(permanent),
            metadata={
                "crm": permanent.crm,
                "endpoint": permanent.endpoint,
                "status": permanent.status,
                "hint": permanent.hint,
            },
            allow_retries=False,
        ) from error
    finally:
        source_logger.removeHandler(collector)
    for warning in collector.messages:
        context.log.warning(warning)
    for event in loaded:
        yield _with_warnings(event, collector.messages)
