"""A client-side request throttle, mounted as a requests transport adapter.

The adapter sits below dlt's retrying session, so retries are throttled too and a default
run stays under amoCRM's limit of 7 requests per second.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from requests import PreparedRequest, Response
from requests.adapters import HTTPAdapter


class RequestThrottle:
    """Spaces requests at least ``1 / requests_per_second`` apart; thread-safe."""

    def __init__(self, requests_per_second: float) -> None:
        if requests_per_second <= 0:
            raise ValueError(f"requests_per_second must be positive, got {requests_per_second}")
        self.interval = 1.0 / requests_per_second
        self._next_slot = 0.0
        self._lock = threading.Lock()
        self.requests = 0
        self.waited_seconds = 0.0

    def wait(self) -> None:
        """Block until the next request may be sent."""
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self.interval
            self.requests += 1
            delay = slot - now
            self.waited_seconds += delay
        if delay > 0:
            time.sleep(delay)


class ThrottledAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` that waits for the throttle before every send."""

    def __init__(self, throttle: RequestThrottle, **kwargs: Any) -> None:
        self.throttle = throttle
        super().__init__(**kwargs)

    def send(self, request: PreparedRequest, *args: Any, **kwargs: Any) -> Response:  # type: ignore[override]
        self.throttle.wait()
        return super().send(request, *args, **kwargs)
