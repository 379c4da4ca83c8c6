"""Errors every source shares (contract between ingestion and orchestration).

Minimal version written by the orchestration side so that it can rely on the class; the
ingestion side owns this module and raises it from the sources.
"""

from __future__ import annotations


class PermanentApiError(RuntimeError):
    """A client error that waiting cannot heal: 4xx other than 429, 401 after one refresh,
    an amoCRM 402 or 403 block. The orchestration layer fails the step without retrying."""

    def __init__(self, crm: str, endpoint: str, status: int, hint: str) -> None:
        self.crm = crm
        self.endpoint = endpoint
        self.status = status
        self.hint = hint
        super().__init__(f"{crm} {endpoint} answered {status}: {hint}")
