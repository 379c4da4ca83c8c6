"""The emulator's clock, request leaky bucket, operating-time budget and fault injector."""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict

from .options import Bitrix24Options

WINDOW_BUCKETS = 10  # ten one-minute buckets: a sliding 10-minute window


class Clock:
    """Wall time plus an offset that tests can advance (limits and token expiry use it)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        """Current emulated unix time."""
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        """Move the clock forward (e.g. to expire tokens or drain limits)."""
        self.offset += seconds


class LeakyBucket:
    """Per-client request counter: +1 per HTTP request, drains at Y/s, refuses above X."""

    def __init__(self, options: Bitrix24Options, clock: Clock) -> None:
        self.options = options
        self.clock = clock
        self._levels: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()
        self.refused = 0

    def admit(self, client: str) -> bool:
        """Count one request; ``False`` when it overflows the bucket."""
        if self.options.burst is None:
            return True
        now = self.clock.now()
        with self._lock:
            level, last = self._levels.get(client, (0.0, now))
            level = max(0.0, level - (now - last) * self.options.drain_per_second)
            if level + 1 > self.options.burst:
                self._levels[client] = (level, now)
                self.refused += 1
                return False
            self._levels[client] = (level + 1, now)
            return True


class OperatingBudget:
    """Execution time per (credential, method) in one-minute buckets over 10 minutes."""

    def __init__(self, options: Bitrix24Options, clock: Clock) -> None:
        self.options = options
        self.clock = clock
        self._spent: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
        self._lock = threading.Lock()

    def _window(self, key: tuple[str, str]) -> dict[int, float]:
        minute = int(self.clock.now() // 60)
        buckets = self._spent[key]
        for old in [m for m in buckets if m <= minute - WINDOW_BUCKETS]:
            del buckets[old]
        return buckets

    def status(self, credential: str, method: str) -> tuple[float, int]:
        """``(operating seconds in the window, operating_reset_at)``."""
        with self._lock:
            buckets = self._window((credential, method))
            spent = sum(buckets.values())
            oldest = min(buckets) if buckets else int(self.clock.now() // 60) - WINDOW_BUCKETS
            return spent, (oldest + WINDOW_BUCKETS) * 60

    def blocked(self, credential: str, method: str) -> bool:
        """Whether the method is over its budget for this credential."""
        return self.status(credential, method)[0] >= self.options.operating_limit_s

    def charge(self, credential: str, method: str, seconds: float) -> None:
        """Add the execution time of one call."""
        with self._lock:
            buckets = self._window((credential, method))
            minute = int(self.clock.now() // 60)
            buckets[minute] = buckets.get(minute, 0.0) + seconds


class FaultInjector:
    """Decides, reproducibly for a request order, which requests fail and how."""

    def __init__(self, options: Bitrix24Options) -> None:
        self.options = options
        self._rng = random.Random(options.fault_seed)
        self._lock = threading.Lock()
        self.injected: dict[str, int] = defaultdict(int)

    def draw(self) -> str | None:
        """The fault kind for the next request, or ``None``."""
        if self.options.fault_rate <= 0:
            return None
        with self._lock:
            if self._rng.random() >= self.options.fault_rate:
                return None
            kind = self._rng.choice(self.options.fault_kinds)
            self.injected[kind] += 1
            return kind
