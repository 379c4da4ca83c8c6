"""Errors shared by the CRM sources, and the rule for optional endpoints.

``PermanentApiError`` is a client error that waiting cannot heal (a 4xx other than 429, a 401
after one token refresh, an amoCRM block or 402). The orchestration layer fails the step at
once without retrying it. An optional endpoint (a dictionary such as tags) that fails with it
is skipped with one warning on the ``crm_kpi.ingestion`` logger; the rest of the load goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import TypeVar

logger = logging.getLogger("crm_kpi.ingestion")

SKIPPED_PREFIX = "optional endpoint skipped:"

T = TypeVar("T")


class PermanentApiError(RuntimeError):
    """A deterministic client error: retrying cannot heal it.

    Attributes:
        crm: ``amoCRM`` or ``Bitrix24``.
        endpoint: what was called, e.g. ``GET /api/v4/leads/tags`` or ``crm.deal.list``.
        status: the HTTP status (``None`` for an error inside a Bitrix24 ``batch`` answer).
        hint: what the user should do about it.
    """

    def __init__(
        self, crm: str, endpoint: str, status: int | None, hint: str, detail: str = ""
    ) -> None:
        self.crm, self.endpoint, self.status, self.hint = crm, endpoint, status, hint
        answered = f"answered {status}" if status is not None else "answered an error"
        detail = f" ({detail})" if detail else ""
        # Not super(): subclasses also derive from a source's own error class, whose
        # constructor takes other arguments.
        RuntimeError.__init__(self, f"{crm} {endpoint} {answered}{detail}: {hint}")


def skip_if_optional(
    items: Iterable[T], *, optional: bool, crm: str, account: str, endpoint: str
) -> Iterator[T]:
    """Yield ``items``; for an optional endpoint, a ``PermanentApiError`` ends them with a
    warning (``optional endpoint skipped: ...``) instead of failing the load.
    """
    try:
        yield from items
    except PermanentApiError as error:
        if not optional:
            raise
        logger.warning(
            "%s %s account %s, endpoint %s, status %s: %s; the rest of the load goes on",
            SKIPPED_PREFIX,
            crm,
            account,
            endpoint,
            error.status,
            error,
        )
