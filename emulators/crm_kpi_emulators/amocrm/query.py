"""Reading amoCRM list parameters: PHP-style brackets, arrays in every form, ranges, order."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

_INDEX = re.compile(r"^\[(\d*)\]$")


class BadRequest(ValueError):
    """A parameter cannot be understood (answered with 400 problem+json)."""


class Query:
    """The query string of one request."""

    def __init__(self, query_string: str) -> None:
        self.raw = query_string
        self.pairs = parse_qsl(query_string, keep_blank_values=True)

    def first(self, key: str) -> str | None:
        """The first value of an exact key."""
        for name, value in self.pairs:
            if name == key:
                return value
        return None

    def int_param(self, key: str, default: int) -> int:
        """An integer parameter (``page``, ``limit``)."""
        value = self.first(key)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError:
            raise BadRequest(f"{key} must be an integer, got {value!r}") from None

    @property
    def with_(self) -> set[str]:
        """The ``with=a,b`` values."""
        values = set()
        for name, value in self.pairs:
            if name in ("with", "with[]"):
                values.update(part.strip() for part in value.split(",") if part.strip())
        return values

    def values(self, *path: str) -> list[str] | None:
        """All values of ``filter[...][...]`` as a list: ``x=1``, ``x[]=1&x[]=2``,
        ``x[0]=1&x[1]=2`` and ``x=1,2`` are the same. ``None`` when absent."""
        prefix = "filter" + "".join(f"[{part}]" for part in path)
        found: list[str] | None = None
        for name, value in self.pairs:
            if not name.startswith(prefix):
                continue
            rest = name[len(prefix) :]
            if rest and not _INDEX.match(rest):
                continue
            found = found if found is not None else []
            found.extend(part.strip() for part in value.split(",") if part.strip())
        return found

    def int_values(self, *path: str) -> list[int] | None:
        """Like ``values`` but integers."""
        values = self.values(*path)
        if values is None:
            return None
        try:
            return [int(value) for value in values]
        except ValueError:
            raise BadRequest(f"filter[{']['.join(path)}] must hold integers") from None

    def range(self, field: str) -> tuple[int | None, int | None] | None:
        """``filter[f][from]``/``[to]`` (inclusive), ``filter[f]=from,to`` or a bare
        ``filter[f]=ts`` (meaning "at or after ts"). ``None`` when absent."""
        low = self._int_or_none(f"filter[{field}][from]")
        high = self._int_or_none(f"filter[{field}][to]")
        if low is not None or high is not None:
            return low, high
        bare = self.first(f"filter[{field}]")
        if bare is None or bare == "":
            return None
        parts = [part.strip() for part in bare.split(",")]
        try:
            if len(parts) == 2:
                return (int(parts[0]) if parts[0] else None, int(parts[1]) if parts[1] else None)
            return int(parts[0]), None
        except ValueError:
            raise BadRequest(f"filter[{field}] must be a Unix timestamp or a range") from None

    def _int_or_none(self, key: str) -> int | None:
        value = self.first(key)
        if value is None or value == "":
            return None
        try:
            return int(value)
        except ValueError:
            raise BadRequest(f"{key} must be a Unix timestamp, got {value!r}") from None

    def indexed(self, *path: str) -> list[dict[str, str]]:
        """Groups like ``filter[statuses][0][pipeline_id]=1&filter[statuses][0][status_id]=2``
        as ``[{"pipeline_id": "1", "status_id": "2"}]``."""
        prefix = "filter" + "".join(f"[{part}]" for part in path)
        pattern = re.compile(re.escape(prefix) + r"\[(\d+)\]\[(\w+)\]$")
        groups: dict[int, dict[str, str]] = {}
        for name, value in self.pairs:
            match = pattern.match(name)
            if match:
                groups.setdefault(int(match.group(1)), {})[match.group(2)] = value
        return [groups[index] for index in sorted(groups)]

    def order(self) -> tuple[str, str] | None:
        """``order[field]=asc|desc`` (the first one given)."""
        for name, value in self.pairs:
            match = re.fullmatch(r"order\[(\w+)\]", name)
            if match:
                direction = value.lower()
                if direction not in ("asc", "desc"):
                    raise BadRequest(f"order[{match.group(1)}] must be asc or desc")
                return match.group(1), direction
        return None

    def has_filters(self) -> bool:
        """Whether any ``filter[...]`` parameter was sent."""
        return any(name.startswith("filter[") for name, _ in self.pairs)
