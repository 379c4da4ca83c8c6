"""Bitrix24 request parameters: PHP bracket query strings, filter operators, ordering, select."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

Json = dict[str, Any]

# Longest prefixes first: ``>=`` must win over ``>``.
OPERATORS = (
    "!><", "><", ">=", "<=", "!@", "!=%", "!%=", "=%", "%=",
    "!%", "!=", ">", "<", "@", "%", "=", "!",
)  # fmt: skip
_BRACKETS = re.compile(r"\[([^\]]*)\]")
_DATE_HINT = re.compile(r"^\d{4}-\d{2}-\d{2}")


def parse_php_query(query: str) -> Json:
    """``filter[>ID]=5&select[]=ID&order[ID]=ASC`` -> nested dicts and lists.

    Top-level keys are lowercased (Bitrix24 treats ``FILTER`` and ``filter`` alike).
    """
    result: Json = {}
    for raw_key, value in parse_qsl(query, keep_blank_values=True):
        base, _, rest = raw_key.partition("[")
        parts = _BRACKETS.findall("[" + rest) if rest else []
        insert(result, [base.lower(), *parts], value)
    return result


def insert(target: Json, path: list[str], value: Any) -> None:
    """Put ``value`` at ``path``; an empty part (``[]``) appends to a list."""
    node: Any = target
    for position, part in enumerate(path):
        last = position == len(path) - 1
        following = None if last else path[position + 1]
        if isinstance(node, list):
            if last:
                node.append(value)
                return
            child: Any = [] if following == "" else {}
            node.append(child)
            node = child
            continue
        if last:
            node[part] = value
            return
        if part not in node:
            node[part] = [] if following == "" else {}
        node = node[part]


def lower_keys(params: Json) -> Json:
    """Top-level keys lowercased (for JSON bodies)."""
    return {str(key).lower(): value for key, value in params.items()}


def split_operator(key: str) -> tuple[str, str]:
    """``'>=DATE_MODIFY'`` -> ``('>=', 'DATE_MODIFY')``; no prefix means ``=``."""
    for operator in OPERATORS:
        if key.startswith(operator):
            return operator, key[len(operator) :]
    return "=", key


class Comparable:
    """Typed comparison of a record value with a filter value (numbers, dates or text)."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone

    def parse_date(self, value: Any) -> dt.datetime | None:
        """ISO 8601 with an offset, ``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM:SS`` (portal zone)."""
        text = str(value).strip()
        if not _DATE_HINT.match(text):
            return None
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=self.zone)

    def key(self, field_value: Any, filter_value: Any) -> tuple[Any, Any] | None:
        """Both values in one comparable type, or ``None`` when the filter value is unusable."""
        if field_value is None:
            return None
        if isinstance(field_value, bool):
            field_value = "Y" if field_value else "N"
        left, right = str(field_value), str(filter_value)
        if _DATE_HINT.match(left):
            lhs, rhs = self.parse_date(left), self.parse_date(right)
            return None if lhs is None or rhs is None else (lhs, rhs)
        try:
            return float(left), float(right)
        except ValueError:
            if right == "" and left != "":
                return None
            return left.lower(), right.lower()


def _like(value: Any, pattern: str, wrap: bool) -> bool:
    text = str(value or "").lower()
    needle = pattern.lower()
    if wrap:
        return needle in text
    regex = "^" + ".*".join(re.escape(piece) for piece in needle.split("%")) + "$"
    return re.match(regex, text) is not None


def matcher(
    filters: Json, compare: Comparable, field_of: Callable[[str], str]
) -> Callable[[Json], bool]:
    """A predicate for ``filter`` (``{'>=DATE_MODIFY': ..., '@ID': [...]}``), ANDed."""
    tests: list[Callable[[Json], bool]] = []
    for raw_key, wanted in filters.items():
        operator, name = split_operator(str(raw_key))
        field = field_of(name)
        tests.append(_test(operator, field, wanted, compare))
    return lambda record: all(test(record) for test in tests)


def _values(wanted: Any) -> list[Any]:
    if isinstance(wanted, dict):
        return list(wanted.values())
    return list(wanted) if isinstance(wanted, list) else [wanted]


def _test(operator: str, field: str, wanted: Any, compare: Comparable) -> Callable[[Json], bool]:
    def equal(record: Json, value: Any) -> bool:
        pair = compare.key(record.get(field), value)
        if pair is None:
            return record.get(field) in (None, "") and value in (None, "")
        return pair[0] == pair[1]

    def ordered(record: Json, value: Any, op: str) -> bool:
        pair = compare.key(record.get(field), value)
        if pair is None:
            return False
        left, right = pair
        try:
            return {">": left > right, ">=": left >= right, "<": left < right, "<=": left <= right}[
                op
            ]
        except TypeError:
            return False

    if operator in (">", ">=", "<", "<="):
        return lambda record: ordered(record, wanted, operator)
    if operator in ("><", "!><"):
        low, high = (_values(wanted) + [None, None])[:2]
        inside = lambda r: ordered(r, low, ">=") and ordered(r, high, "<=")  # noqa: E731
        return inside if operator == "><" else (lambda r: not inside(r))
    if operator in ("@", "!@"):
        options = _values(wanted)
        member = lambda r: any(equal(r, option) for option in options)  # noqa: E731
        return member if operator == "@" else (lambda r: not member(r))
    if operator in ("%", "!%"):
        like = lambda r: _like(r.get(field), str(wanted), wrap=True)  # noqa: E731
        return like if operator == "%" else (lambda r: not like(r))
    if operator in ("=%", "%=", "!=%", "!%="):
        like = lambda r: _like(r.get(field), str(wanted), wrap=False)  # noqa: E731
        return like if operator in ("=%", "%=") else (lambda r: not like(r))
    if operator in ("!", "!="):
        return lambda record: not equal(record, wanted)
    if isinstance(wanted, (list, dict)):
        options = _values(wanted)
        return lambda record: any(equal(record, option) for option in options)
    return lambda record: equal(record, wanted)


def camel(name: str) -> str:
    """``CHANGED_DATE`` -> ``changedDate`` (tasks.task.list answers in camelCase)."""
    if "_" not in name and not name.isupper():
        return name[:1].lower() + name[1:]
    head, *tail = name.lower().split("_")
    return head + "".join(part.capitalize() for part in tail)


def select_fields(record: Json, select: list[str] | None, multifields: tuple[str, ...]) -> Json:
    """Apply a ``select`` (``*`` standard fields, ``UF_*`` user fields, names; ID always)."""
    return field_selector(select, multifields)(record)


def field_selector(
    select: list[str] | None, multifields: tuple[str, ...]
) -> Callable[[Json], Json]:
    """``select_fields`` for many records under one ``select``: whether a field is kept is
    decided once per field name."""
    wanted = {name.upper() for name in select or ["*", "UF_*"]}

    def keeps(key: str) -> bool:
        upper = key.upper()
        if upper == "ID" or upper in wanted:
            return True
        if upper.startswith("UF_"):
            return "UF_*" in wanted
        return "*" in wanted and upper not in multifields

    decided: dict[str, bool] = {}

    def pick(record: Json) -> Json:
        out = {}
        for key, value in record.items():
            kept = decided.get(key)
            if kept is None:
                kept = decided[key] = keeps(key)
            if kept:
                out[key] = value
        return out

    return pick
