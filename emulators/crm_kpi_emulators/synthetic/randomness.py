"""Reproducible randomness: generators and uniform draws derived from stable keys."""

from __future__ import annotations

import hashlib
import math
import random


def stable_hash(*parts: object) -> int:
    """A 64-bit integer hash of ``parts`` that is the same on every run and platform."""
    key = "\x1f".join(str(part) for part in parts).encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big")


def unit_draw(*parts: object) -> float:
    """A uniform number in [0, 1) determined by ``parts`` alone (no generator state)."""
    return stable_hash(*parts) / 2.0**64


def derived_rng(*parts: object) -> random.Random:
    """A generator seeded from ``parts``, e.g. ``derived_rng(seed, "day", 17)``."""
    return random.Random(stable_hash(*parts))


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson-distributed count (Knuth for small means, a normal approximation above 50)."""
    if mean <= 0:
        return 0
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit = math.exp(-mean)
    count, product = 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def pick_weighted(rng: random.Random, items: tuple, cumulative: tuple[float, ...]) -> object:
    """Pick from ``items`` with precomputed cumulative weights (last one is the total)."""
    threshold = rng.random() * cumulative[-1]
    for item, bound in zip(items, cumulative, strict=True):
        if threshold < bound:
            return item
    return items[-1]
