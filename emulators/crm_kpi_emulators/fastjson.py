"""The emulators' JSON: orjson (installed with dlt) where it can, the standard library else.

An answer is what ``json.dumps(payload, ensure_ascii=False, separators=(",", ":"))`` gives
(compact, UTF-8, keys in insertion order); orjson writes the same text several times faster.
Only the spelling of a float's exponent can differ (``1e-05`` / ``1e-5``: the same number).
A value orjson refuses (an integer beyond 64 bits) falls back to the standard library.
"""

from __future__ import annotations

import json
from typing import Any

try:
    import orjson
except ImportError:  # pragma: no cover - dlt installs it
    orjson = None  # type: ignore[assignment]


def dumps(payload: Any) -> bytes:
    """``payload`` as compact UTF-8 JSON."""
    if orjson is not None:
        try:
            return orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS)
        except TypeError:  # orjson.JSONEncodeError derives from TypeError
            pass
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def loads(text: str | bytes) -> Any:
    """Parse JSON text."""
    return orjson.loads(text) if orjson is not None else json.loads(text)
