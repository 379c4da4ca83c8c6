"""The client-side rate limiter of every CRM source: a leaky bucket, and a transport adapter.

The adapter sits below dlt's retrying session, so retries are throttled too. With ``burst=1``
the bucket spaces requests ``1 / rate`` apart (amoCRM: 7 per second at most); a larger burst
mirrors a limit that lets short bursts through (Bitrix24: 50 queued, draining 2 per second).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from requests import PreparedRequest, Response

from .responses import ParsedOnceAdapter


class LeakyBucket:
    """At most ``burst`` requests queued, draining ``rate`` per second; thread-safe.

    Keeping ``burst`` below the server's own limit leaves room for other clients of the account.
    """

    def __init__(self, rate: float, burst: int = 1) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError(f"rate and burst must be positive, got {rate}, {burst}")
        self.rate, self.burst = rate, burst
        self._level, self._last = 0.0, time.monotonic()
        self._lock = threading.Lock()
        self.requests = 0
        self.waited_seconds = 0.0

    def wait(self) -> None:
        """Block until one more request fits in the bucket, then count it."""
        with self._lock:
            now = time.monotonic()
            self._level = max(0.0, self._level - (now - self._last) * self.rate)
            self._last = now
            delay = max(0.0, (self._level + 1 - self.burst) / self.rate)
            self._level += 1
            self.requests += 1
            self.waited_seconds += delay
        if delay > 0:
            time.sleep(delay)


class ThrottledAdapter(ParsedOnceAdapter):
    """An ``HTTPAdapter`` that waits for its bucket before every send (JSON parsed once)."""

    def __init__(self, bucket: LeakyBucket, **kwargs: Any) -> None:
        self.bucket = bucket
        super().__init__(**kwargs)

    def send(self, request: PreparedRequest, *args: Any, **kwargs: Any) -> Response:  # type: ignore[override]
        self.bucket.wait()
        return super().send(request, *args, **kwargs)
