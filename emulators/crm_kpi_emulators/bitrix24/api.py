"""Bitrix24 REST methods of the emulator (list methods, dictionaries and ``batch``).

A handler gets the parsed parameters and returns a ``MethodResult``; HTTP, authentication,
limits and faults are the server's job. Operating time is charged per (credential, method).
"""

from __future__ import annotations

import bisect
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from .limits import Clock, OperatingBudget
from .options import Bitrix24Options
from .query import Comparable, camel, field_selector, lower_keys, matcher, parse_php_query
from .store import TABLES, PortalStore

Json = dict[str, Any]
PAGE_SIZE = 50
MAX_BATCH = 50
MULTIFIELDS = ("PHONE", "EMAIL", "WEB", "IM")


class MethodError(Exception):
    """A Bitrix24 error answer: HTTP status, ``error`` code and description."""

    def __init__(self, status: int, code: Any, description: str) -> None:
        super().__init__(description)
        self.status, self.code, self.description = status, code, description


@dataclass
class MethodResult:
    """What a method answers: ``result`` plus ``total``/``next`` for list methods."""

    result: Any
    total: int | None = None
    next: int | None = None
    operating: float = 0.0


@dataclass(frozen=True)
class ListSpec:
    """How one list method reads the store."""

    table: str
    wrap: str | None = None  # result shape: {"items": [...]}, {"tasks": [...]}
    default_order: tuple[str, str] | None = None
    camel_case: bool = False
    string_order: bool = False  # SORT/ORDER strings instead of order{} (voximplant, user.get)


LIST_METHODS = {
    "crm.deal.list": ListSpec("deal"),
    "crm.lead.list": ListSpec("lead"),
    "crm.contact.list": ListSpec("contact"),
    "crm.company.list": ListSpec("company"),
    "crm.activity.list": ListSpec("activity", default_order=("START_TIME", "ASC")),
    "crm.timeline.comment.list": ListSpec("comment"),
    "tasks.task.list": ListSpec("task", "tasks", ("ID", "DESC"), camel_case=True),
    "voximplant.statistic.get": ListSpec("call", string_order=True),
}
STAGEHISTORY_TABLES = {"1": "lead_history", "2": "deal_history"}
ERROR_NOT_FOUND = MethodError(404, "ERROR_METHOD_NOT_FOUND", "Method not found!")
# Error codes of injected status overrides (a guess at a typical code per status).
OVERRIDE_CODES = {400: "INVALID_ARG_VALUE", 401: "NO_AUTH_FOUND", 403: "insufficient_scope",
                  404: "ERROR_METHOD_NOT_FOUND"}  # fmt: skip


class PortalApi:
    """Dispatches method calls against the store."""

    def __init__(
        self,
        store: PortalStore,
        options: Bitrix24Options,
        budget: OperatingBudget,
        clock: Clock,
        days_lived: Callable[[], int],
    ) -> None:
        self.store = store
        self.options = options
        self.budget = budget
        self.clock = clock
        self.days_lived = days_lived
        self.compare = Comparable(store.renderer.zone)
        self._shuffle = random.Random(0)
        # (table, camel case, select) -> id(record) -> (record, its selection)
        self._selected: dict[tuple[Any, ...], dict[int, tuple[Json, Json]]] = {}
        self._selected_version = -1

    # ---- dispatch ---------------------------------------------------------------------------

    def call(self, method: str, params: Json, credential: str) -> MethodResult:
        """Run one method (not ``batch``) for a credential, enforcing its operating budget."""
        method = method.lower().removesuffix(".json")
        override = dict(self.options.status_overrides).get(method)
        if override is not None:
            code = OVERRIDE_CODES.get(override, "ERROR")
            raise MethodError(override, code, f"Injected answer {override} for {method}")
        if self.budget.blocked(credential, method):
            raise MethodError(
                429, "OPERATION_TIME_LIMIT", "Method is blocked due to operation time limit."
            )
        started = time.perf_counter()
        result = self._dispatch(method, lower_keys(params))
        result.operating += time.perf_counter() - started
        self.budget.charge(credential, method, result.operating)
        return result

    def _dispatch(self, method: str, params: Json) -> MethodResult:
        if method == "crm.timeline.comment.list":
            _require_comment_owner(params)
        if method in LIST_METHODS:
            return self._list(LIST_METHODS[method], params)
        if method == "crm.stagehistory.list":
            entity = str(params.get("entitytypeid", ""))
            if entity not in STAGEHISTORY_TABLES:
                raise MethodError(400, "ENTITY_TYPE_NOT_SUPPORTED", "Entity type is not supported")
            return self._list(ListSpec(STAGEHISTORY_TABLES[entity], "items"), params)
        r = self.store.renderer
        if method == "crm.status.list":
            return self._list_rows(r.statuses(), ListSpec("status"), params)
        if method == "crm.category.list":
            if str(params.get("entitytypeid", "")) != "2":
                raise MethodError(400, "ENTITY_TYPE_NOT_SUPPORTED", "Entity type is not supported")
            categories = r.categories()
            return MethodResult({"categories": categories}, total=len(categories))
        if method == "crm.currency.list":
            return MethodResult(r.currencies(), total=len(r.currencies()))
        if method == "user.get":
            rows = r.users(self.days_lived())
            return self._list_rows(rows, ListSpec("user", string_order=True), params)
        if method == "department.get":
            return self._list_rows(
                r.departments(), ListSpec("department", string_order=True), params
            )
        if method == "batch":
            raise MethodError(
                405, "ERROR_BATCH_METHOD_NOT_ALLOWED", "Method is not allowed for batch usage"
            )
        raise ERROR_NOT_FOUND

    # ---- lists ------------------------------------------------------------------------------

    def _list(self, spec: ListSpec, params: Json) -> MethodResult:
        rows, ids = self.store.visible_with_ids(spec.table)
        filters = params.get("filter")
        # tasks.task.list takes UPPER_CASE filter keys (``>ID``) although it answers in camelCase
        key = next((k for k in (">ID", ">id") if isinstance(filters, dict) and k in filters), "")
        if key and filters.get(key) == "":
            # A ``$result[...]`` reference past the last page: no id is greater than "", the
            # answer is empty (as the filter below would find, row by row, at a cost).
            rows = []
        elif key and str(filters.get(key, "")).isdigit():
            # Keyset pages on the primary key: what a database index does for a real portal.
            filters = dict(filters)
            after = int(filters.pop(key))
            rows = rows[bisect.bisect_right(ids, after) :]
            params = {**params, "filter": filters}
        elif spec.table == "comment" and isinstance(filters, dict):
            owner = (str(filters.get("ENTITY_TYPE", "")), str(filters.get("ENTITY_ID", "")))
            rows = self.store.comments_of(*owner)  # the filter below still applies
        return self._list_rows(rows, spec, params)

    def _list_rows(self, rows: list[Json], spec: ListSpec, params: Json) -> MethodResult:
        filters = params.get("filter") or {}
        if not isinstance(filters, dict):
            raise MethodError(400, "", "Parameter 'filter' must be array.")
        field_of = camel if spec.camel_case else (lambda name: name)
        if spec.string_order:
            # user.get / department.get / voximplant: top-level fields are filters too
            reserved = {"filter", "sort", "order", "start", "select", "admin_mode"}
            filters = {**{k.upper(): v for k, v in params.items() if k not in reserved}, **filters}
        scanned = len(rows)
        if filters:
            keep = matcher(filters, self.compare, field_of)
            rows = [row for row in rows if keep(row)]
            if spec.table == "comment":
                # Comments are listed per entity (mandatory ENTITY_TYPE/ENTITY_ID): counting
                # them scans that entity's comments only, as an index would (a guess).
                scanned = len(rows)
        rows = self._ordered(rows, spec, params, field_of)
        start = int(params.get("start") or 0)
        select = self._selector(spec, params)
        page = [select(row) for row in rows[max(start, 0) : max(start, 0) + PAGE_SIZE]]
        # Synthetic execution time: the rows returned, plus (without start=-1) counting every
        # match for `total`, which is what makes big exports expensive on a real portal.
        cost = len(page) * self.options.operating_cost_per_row
        if start == -1:
            result = MethodResult(page, total=0, operating=cost)
        else:
            more = start + PAGE_SIZE < len(rows)
            counting = scanned * self.options.operating_cost_per_row
            result = MethodResult(
                page,
                total=len(rows),
                next=start + PAGE_SIZE if more else None,
                operating=cost + counting + self.options.operating_cost_of_total,
            )
        if spec.wrap:
            result.result = {spec.wrap: result.result}
        return result

    def _ordered(
        self, rows: list[Json], spec: ListSpec, params: Json, field_of: Callable[[str], str]
    ) -> list[Json]:
        if spec.string_order:
            sort = params.get("sort")
            order = {str(sort): str(params.get("order") or "ASC")} if sort else {}
        else:
            order = params.get("order") or {}
            if not isinstance(order, dict):
                order = {}
        if not order:
            rows = list(rows)
            if self.options.shuffle_without_order and spec.table not in ("user", "department"):
                self._shuffle.shuffle(rows)
            if spec.default_order is None:
                return rows
            order = dict([spec.default_order])
        if [(str(k).upper(), str(v).upper()) for k, v in order.items()] == [("ID", "ASC")]:
            return rows  # the store keeps every table in ascending id order already
        rows = list(rows)  # never sort the store's cached list in place (keyset bisects it)
        for name, direction in reversed(list(order.items())):
            field = field_of(str(name))
            rows.sort(
                key=lambda row, f=field: _sort_key(row.get(f)),
                reverse=str(direction).upper() == "DESC",
            )
        return rows

    def _selector(self, spec: ListSpec, params: Json) -> Callable[[Json], Json]:
        """What ``select`` keeps of a record, as a function of the record.

        The stored records are rendered once per change and never mutated, so the selection
        of one record under one ``select`` is made once and served from then on (until the
        store changes): a full export asks for every record once per page it appears on.
        """
        select = params.get("select")
        if isinstance(select, dict):
            select = list(select.values())
        pick: Callable[[Json], Json]
        if spec.camel_case and select:
            wanted = frozenset({camel(str(name)).lower() for name in select} | {"id"})
            pick = lambda row: {k: v for k, v in row.items() if k.lower() in wanted}  # noqa: E731
        elif spec.camel_case or spec.table in ("status", "user", "department", "call"):
            pick = field_selector(select, ()) if select else dict
        else:
            pick = field_selector(select, MULTIFIELDS)
        if spec.table not in TABLES:  # dictionaries: rendered afresh on every call
            return pick
        if self._selected_version != self.store.version:
            self._selected.clear()
            self._selected_version = self.store.version
        key = (spec.table, spec.camel_case, tuple(str(name) for name in select or ()))
        cache = self._selected.setdefault(key, {})

        def selected(row: Json) -> Json:
            hit = cache.get(id(row))
            if hit is not None and hit[0] is row:  # the cache holds the row: ids stay unique
                return hit[1]
            out = pick(row)
            cache[id(row)] = (row, out)
            return out

        return selected

    # ---- batch ------------------------------------------------------------------------------

    def batch(self, params: Json, credential: str) -> Json:
        """Run ``cmd`` subcalls in order with ``$result[...]`` references; the batch envelope."""
        params = lower_keys(params)
        commands = params.get("cmd") or {}
        if not isinstance(commands, dict):
            raise MethodError(400, "", "Parameter 'cmd' must be array.")
        if len(commands) > MAX_BATCH:
            raise MethodError(400, "ERROR_BATCH_LENGTH_EXCEEDED", "Max batch length exceeded")
        halt = str(params.get("halt", "0")) in ("1", "true", "True")
        results: Json = {}
        errors: Json = {}
        totals: Json = {}
        nexts: Json = {}
        times: Json = {}
        for key, command in commands.items():
            text = _substitute(str(command), results)
            method, _, query = text.partition("?")
            started = self.clock.now()
            try:
                if method.lower() == "batch":
                    raise MethodError(
                        405,
                        "ERROR_BATCH_METHOD_NOT_ALLOWED",
                        "Method is not allowed for batch usage",
                    )
                answer = self.call(method, parse_php_query(query), credential)
            except MethodError as error:
                errors[key] = {"error": error.code, "error_description": error.description}
                if halt:
                    break
                continue
            results[key] = answer.result
            if answer.total is not None:
                totals[key] = answer.total
            if answer.next is not None:
                nexts[key] = answer.next
            spent, reset_at = self.budget.status(credential, method.lower())
            times[key] = {**self.time_block(started, spent, reset_at), "operating": spent}
        return {
            "result": results or [],
            "result_error": errors or [],
            "result_total": totals or [],
            "result_next": nexts or [],
            "result_time": times or [],
        }

    def time_block(
        self, started: float, operating: float = 0.0, reset_at: int | None = None
    ) -> Json:
        """The ``time`` object of every answer."""
        r = self.store.renderer
        finish = self.clock.now()
        block: Json = {
            "start": started,
            "finish": finish,
            "duration": finish - started,
            "processing": finish - started,
            "date_start": r.time(int(started)),
            "date_finish": r.time(int(finish)),
            "operating": operating,
        }
        if reset_at is not None:
            block["operating_reset_at"] = reset_at
        return block


def _require_comment_owner(params: Json) -> None:
    """``crm.timeline.comment.list`` without ``filter[ENTITY_TYPE]`` and ``filter[ENTITY_ID]``.

    The docs make both mandatory ("The filter works on two mandatory fields", apidocs.bitrix24
    .com/api-reference/crm/timeline/comments/crm-timeline-comment-list.html; "обязательные
    поля", dev.1c-bitrix.ru/rest_help/crm/timeline/comment/crm_timeline_comment_list.php). The
    docs' error example is HTTP 400 with ``"error": ""``; the description text here is a guess.
    """
    filters = params.get("filter")
    keys = {str(key).upper() for key in filters} if isinstance(filters, dict) else set()
    if not {"ENTITY_TYPE", "ENTITY_ID"} <= keys:
        raise MethodError(
            400, "", "Required fields are missing in filter: ENTITY_TYPE and ENTITY_ID."
        )


_REFERENCE = re.compile(r"\$result((?:\[[^\]]*\])+)")


def _substitute(command: str, results: Json) -> str:
    """Replace ``$result[key][path...]`` by earlier results (missing -> empty string)."""

    def value(match: re.Match[str]) -> str:
        node: Any = results
        for part in re.findall(r"\[([^\]]*)\]", match.group(1)):
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return ""
        return "" if isinstance(node, (dict, list)) or node is None else str(node)

    return _REFERENCE.sub(value, unquote(command) if "%24result" in command else command)


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None or value == "":
        return (0, 0)
    try:
        return (1, float(value))
    except (TypeError, ValueError):
        return (2, str(value))
