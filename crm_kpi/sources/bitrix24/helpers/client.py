"""The Bitrix24 REST client: dlt's RESTClient and retrying session, keyset pages in batches."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

from dlt.sources.helpers.requests.retry import Client
from dlt.sources.helpers.rest_client import RESTClient
from requests import Response

from crm_kpi.sources.common.proxies import apply_proxy

from ..settings import BATCH_SIZE, PAGE_SIZE, Method
from .errors import Bitrix24Error, api_error, error_code, should_retry
from .transport import BitrixTransport, LeakyBucket

logger = logging.getLogger("crm_kpi.ingestion.bitrix24")
Row = dict[str, Any]
MAX_OPERATING_WAITS = 20


def php_query(params: dict[str, Any], prefix: str = "") -> list[str]:
    """Flatten params to PHP bracket pairs: ``filter[>ID]=5``, ``select[0]=ID``."""
    pairs: list[str] = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, dict):
            pairs += php_query(value, name)
        elif isinstance(value, (list, tuple)):
            pairs += php_query(dict(enumerate(value)), name)
        else:
            pairs.append(f"{quote(name, safe='[]')}={quote(str(value), safe='$[]')}")
    return pairs


class Bitrix24Client(RESTClient):
    """Calls methods as JSON POSTs to a webhook prefix or an OAuth ``/rest/`` endpoint."""

    def __init__(
        self,
        base_url: str,
        requests_per_second: float = 2.0,
        burst: int = 40,
        timeout_s: float = 60.0,
        max_attempts: int = 8,
        max_operating_wait_s: float = 600.0,
        access_token: Callable[[], str] | None = None,
        refresh_token: Callable[[str], str] | None = None,
        proxy: str | None = None,
    ) -> None:
        self.bucket = LeakyBucket(requests_per_second, burst)
        self.transport = BitrixTransport(self.bucket, max_operating_wait_s, refresh_token)
        session = Client(
            request_timeout=timeout_s,
            raise_for_status=False,
            status_codes=(),
            retry_condition=should_retry,
            request_max_attempts=max_attempts,
            request_backoff_factor=0.5,
            request_max_retry_delay=30,
        ).session
        session.mount("https://", self.transport)
        session.mount("http://", self.transport)
        apply_proxy(session, proxy, "SOURCES__BITRIX24__PROXY")
        self.access_token = access_token
        super().__init__(base_url=base_url.rstrip("/") + "/", session=session)

    # ---- single calls -----------------------------------------------------------------------

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST one method; the whole JSON answer. Raises ``Bitrix24Error`` on any error."""
        body = dict(params or {})
        if self.access_token is not None:
            body["auth"] = self.access_token()
        response = self.post(method, json=body)
        return self._checked(method, response)

    @staticmethod
    def _checked(method: str, response: Response) -> dict[str, Any]:
        code = error_code(response)
        if code in ("html", "not_json"):
            raise Bitrix24Error(
                method, "NOT_JSON",
                f"the portal answered a non-JSON page ({response.headers.get('Content-Type')}); "
                "it is overloaded or the URL is not a Bitrix24 REST endpoint",
                response.status_code,
            )  # fmt: skip
        body = response.json()
        if response.status_code != 200 or code is not None:
            raise api_error(
                method, body.get("error"), body.get("error_description", ""), response.status_code
            )
        return body

    def list_all(self, method: str, params: dict[str, Any], wrap: str | None = None) -> list[Row]:
        """Every row of a small list (dictionaries) with ``start`` paging."""
        rows: list[Row] = []
        start: int | None = 0
        while start is not None:
            body = self.call(method, {**params, "start": start})
            result = body.get("result") or []
            rows += result.get(wrap, []) if wrap and isinstance(result, dict) else result
            start = body.get("next")
        return rows

    # ---- keyset export in batches -------------------------------------------------------------

    def _page_params(self, spec: Method, filters: dict[str, Any], after: str) -> dict[str, Any]:
        key = f">{spec.id_field.upper()}"
        params: dict[str, Any] = dict(spec.params)
        if spec.string_order:  # voximplant: SORT/ORDER strings, FILTER
            params.update({"FILTER": {**filters, key: after}, "SORT": "ID", "ORDER": "ASC"})
        else:
            params.update({"filter": {**filters, key: after}, "order": {"ID": "ASC"}})
        if spec.select:
            params["select"] = list(spec.select)
        params["start"] = -1
        return params

    def keyset_pages(
        self, spec: Method, filters: dict[str, Any], batch_size: int = BATCH_SIZE
    ) -> Iterator[list[Row]]:
        """Every row matching ``filters`` in ID order: ``start=-1`` + ``>ID`` pages, chained
        in ``batch`` calls through ``$result[...]`` references (one request per 50 pages).

        Batches grow from one page, doubling up to ``batch_size``: a page after the last one
        references a row that does not exist, so its ``>ID`` filter is empty and it answers
        rows already read (work and bytes for nothing); an incremental run with a few changed
        rows then costs one page, not 50. Unfiltered scans (a first load, the deletion scan's
        ID lists) are long: they start at ``batch_size``.
        """
        after = "0"
        path = f"[{spec.wrap}]" if spec.wrap else ""
        id_field = spec.id_field
        done = False
        blocked = 0
        size = 1 if filters else batch_size
        while not done:
            commands = {}
            for index in range(size):
                ref = (
                    after
                    if index == 0
                    else f"$result[p{index - 1}]{path}[{PAGE_SIZE - 1}][{id_field}]"
                )
                query = "&".join(php_query(self._page_params(spec, filters, ref)))
                commands[f"p{index}"] = f"{spec.method}?{query}"
            answer = self.call("batch", {"halt": 0, "cmd": commands})["result"]
            results, errors = answer.get("result") or {}, answer.get("result_error") or {}
            self._remember_operating(spec.method, answer.get("result_time") or {})
            for index in range(size):
                key = f"p{index}"
                if key in errors:
                    error = errors[key]
                    if error.get("error") == "OPERATION_TIME_LIMIT":
                        blocked += 1
                        if blocked > MAX_OPERATING_WAITS:
                            raise Bitrix24Error(
                                spec.method, "OPERATION_TIME_LIMIT",
                                f"still blocked after {MAX_OPERATING_WAITS} waits; run later",
                            )  # fmt: skip
                        self.transport.wait_for_operating_reset(spec.method)
                        break  # re-run from the last good page
                    raise api_error(
                        spec.method, error.get("error"), error.get("error_description", ""), None
                    )
                page = results.get(key)
                rows = (page or {}).get(spec.wrap, []) if spec.wrap else (page or [])
                if rows:
                    after = str(rows[-1][id_field])
                    yield rows
                if len(rows) < PAGE_SIZE:
                    done = True
                    break
            size = min(batch_size, size * 2)

    # ---- per-entity lists in batches ---------------------------------------------------------

    def per_entity_pages(
        self, method: str, filters: list[dict[str, Any]], batch_size: int = BATCH_SIZE
    ) -> Iterator[list[Row]]:
        """Every row of ``method`` for each filter (e.g. one per deal), ``batch_size`` list
        calls per ``batch``; a filter with more than one page is followed through ``next``.
        """
        pending = [(index, 0) for index in range(len(filters))]  # (filter index, start)
        blocked = 0
        while pending:
            chunk, pending = pending[:batch_size], pending[batch_size:]
            commands = {}
            for index, start in chunk:
                params = {"filter": filters[index], "order": {"ID": "ASC"}, "start": start}
                commands[f"e{index}_{start}"] = f"{method}?{'&'.join(php_query(params))}"
            answer = self.call("batch", {"halt": 0, "cmd": commands})["result"]
            results, errors = answer.get("result") or {}, answer.get("result_error") or {}
            nexts = answer.get("result_next") or {}
            self._remember_operating(method, answer.get("result_time") or {})
            retry = []
            for index, start in chunk:
                key = f"e{index}_{start}"
                if key in errors:
                    error = errors[key]
                    if error.get("error") != "OPERATION_TIME_LIMIT":
                        raise api_error(
                            method, error.get("error"), error.get("error_description", ""), None
                        )
                    retry.append((index, start))
                    continue
                if results.get(key):
                    yield list(results[key])
                if isinstance(nexts, dict) and key in nexts:
                    pending.append((index, int(nexts[key])))
            if retry:
                blocked += 1
                if blocked > MAX_OPERATING_WAITS:
                    raise Bitrix24Error(
                        method, "OPERATION_TIME_LIMIT",
                        f"still blocked after {MAX_OPERATING_WAITS} waits; run later",
                    )  # fmt: skip
                self.transport.wait_for_operating_reset(method)
                pending = retry + pending

    def _remember_operating(self, method: str, times: Any) -> None:
        """Keep the latest ``operating_reset_at`` the subcalls reported for ``method``."""
        resets = [
            float(entry["operating_reset_at"])
            for entry in (times.values() if isinstance(times, dict) else [])
            if isinstance(entry, dict) and str(entry.get("operating_reset_at", "")).isdigit()
        ]
        if resets:
            self.transport.reset_at[method] = max(resets)
