"""What stands before the API: the account block, rate limits and injected faults."""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from collections import deque
from collections.abc import Callable

from .options import EmulatorOptions
from .responses import Request, Response, nginx_page, problem


class Gate:
    """Rate limiting with amoCRM's escalation (429, then a 403 block) and fault injection.

    Every request counts against a token bucket of its bearer token (or client address).
    Over the limit the answer is a 429 HTML page without ``Retry-After``; after
    ``block_after_429`` such answers within ``block_window_s`` seconds, every request gets a
    403 HTML page until ``unblock()``.
    """

    def __init__(
        self, options: EmulatorOptions, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.options = options
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}
        self._recent_429: deque[float] = deque()
        self._faults = random.Random(options.fault_seed)
        self.blocked = False

    def unblock(self) -> None:
        """Lift the account block (what amoCRM support does) and forget past 429s."""
        with self._lock:
            self.blocked = False
            self._recent_429.clear()
            self._buckets.clear()

    def check(self, request: Request, is_api: bool) -> Response | None:
        """The answer that replaces the real one, or ``None`` to let the request through."""
        with self._lock:
            if self.blocked:
                return nginx_page(403)
            if self.options.requests_per_second and not self._take(_caller(request)):
                return self._too_many()
            rate = self.options.fault_rate
            if is_api and rate > 0 and self._faults.random() < rate:
                return self._fault()
        if is_api and self.options.payment_required:
            return problem(402, "Payment required: the account's paid or trial period ended")
        return None

    def _fault(self) -> Response:
        kind = self._faults.choice(self.options.fault_kinds)
        if kind == "timeout":
            return dataclasses.replace(nginx_page(504), delay_s=self.options.fault_delay_s)
        if kind == "reset":
            return Response(0, reset=True)
        if kind == "429":
            return nginx_page(429)
        if kind != "5xx":
            raise ValueError(f"unknown fault kind {kind!r} in EmulatorOptions.fault_kinds")
        return nginx_page(self._faults.choice((500, 502, 503, 504)))

    def _take(self, caller: str) -> bool:
        rate = float(self.options.requests_per_second or 0)
        capacity = float(max(1, self.options.burst))
        now = self._clock()
        tokens, last = self._buckets.get(caller, (capacity, now))
        tokens = min(capacity, tokens + (now - last) * rate)
        allowed = tokens >= 1.0
        self._buckets[caller] = (tokens - 1.0 if allowed else tokens, now)
        return allowed

    def _too_many(self) -> Response:
        limit = self.options.block_after_429
        if limit is not None:
            now = self._clock()
            self._recent_429.append(now)
            while self._recent_429 and self._recent_429[0] < now - self.options.block_window_s:
                self._recent_429.popleft()
            if len(self._recent_429) >= limit:
                self.blocked = True
        return nginx_page(429)


def _caller(request: Request) -> str:
    authorization = request.header("Authorization") or ""
    return authorization or request.client
