"""The transport under dlt's retrying session: the shared leaky-bucket throttle
(``crm_kpi.sources.common.throttle``), operating-time waits and OAuth token refresh. Sitting
below the session, it throttles retries too.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from requests import PreparedRequest, Response

from crm_kpi.sources.common.responses import ParsedOnceAdapter
from crm_kpi.sources.common.throttle import LeakyBucket

from .errors import Bitrix24Error, error_code

__all__ = ["BitrixTransport", "LeakyBucket"]

logger = logging.getLogger("crm_kpi.ingestion.bitrix24")


class BitrixTransport(ParsedOnceAdapter):
    """Throttles every send; waits out ``OPERATION_TIME_LIMIT``; refreshes expired tokens.

    ``refresh_token`` (OAuth only) is called with the refused access token and returns a
    fresh one; the request is then re-sent with it.
    """

    def __init__(
        self,
        bucket: LeakyBucket,
        max_operating_wait_s: float = 600.0,
        refresh_token: Callable[[str], str] | None = None,
        **kwargs: Any,
    ) -> None:
        self.bucket = bucket
        self.max_operating_wait_s = max_operating_wait_s
        self.refresh_token = refresh_token
        self.reset_at: dict[str, float] = {}  # method -> last seen operating_reset_at
        self.operating_waits = 0
        super().__init__(**kwargs)

    def send(self, request: PreparedRequest, *args: Any, **kwargs: Any) -> Response:  # type: ignore[override]
        method = (request.path_url or "").split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        for _ in range(5):
            self.bucket.wait()
            response = super().send(request, *args, **kwargs)
            code = error_code(response) if response.status_code != 200 else None
            if response.status_code == 200:
                self._remember_reset(method, response)
                return response
            if code == "OPERATION_TIME_LIMIT":
                self._remember_reset(method, response)
                self.wait_for_operating_reset(method, response.status_code)
                continue
            if code == "expired_token" and self.refresh_token is not None:
                request = self._with_new_token(request)
                continue
            return response
        return response

    def _remember_reset(self, method: str, response: Response) -> None:
        try:
            reset = (response.json().get("time") or {}).get("operating_reset_at")
        except (ValueError, AttributeError):
            return
        if isinstance(reset, (int, float)) or str(reset).isdigit():
            self.reset_at[method] = float(reset)

    def wait_for_operating_reset(self, method: str, status: int | None = None) -> None:
        """Sleep until the method's last known ``operating_reset_at`` (at least 1 s, bounded)."""
        delay = self.reset_at.get(method, time.time() + 1) - time.time()
        delay = min(max(delay, 1.0), self.max_operating_wait_s)
        if delay >= self.max_operating_wait_s:
            raise Bitrix24Error(
                method, "OPERATION_TIME_LIMIT",
                f"the method stays blocked for more than {self.max_operating_wait_s:.0f} s; "
                "narrow the select or the filter, or run later",
                status,
            )  # fmt: skip
        logger.warning("bitrix24 %s: operating-time limit, waiting %.0f s", method, delay)
        self.operating_waits += 1
        time.sleep(delay)

    def _with_new_token(self, request: PreparedRequest) -> PreparedRequest:
        assert self.refresh_token is not None
        body = json.loads(request.body or b"{}")
        body["auth"] = self.refresh_token(str(body.get("auth") or ""))
        fresh = request.copy()
        fresh.prepare_body(data=None, files=None, json=body)
        return fresh
