"""amoCRM's client-side throttle: the shared leaky bucket with a burst of one request.

A default run stays under amoCRM's limit of 7 requests per second.
"""

from __future__ import annotations

from crm_kpi.sources.common.throttle import LeakyBucket, ThrottledAdapter

__all__ = ["RequestThrottle", "ThrottledAdapter"]


class RequestThrottle(LeakyBucket):
    """Spaces requests at least ``1 / requests_per_second`` apart; thread-safe."""

    def __init__(self, requests_per_second: float) -> None:
        if requests_per_second <= 0:
            raise ValueError(f"requests_per_second must be positive, got {requests_per_second}")
        super().__init__(requests_per_second, burst=1)
