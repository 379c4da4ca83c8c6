"""The REST client of the amoCRM source, built on dlt's RESTClient, paginators and retries."""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import requests
from dlt.common.jsonpath import JSONPath, compile_path
from dlt.sources.helpers.requests.retry import Client
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
from dlt.sources.helpers.rest_client.exceptions import IgnoreResponseException
from dlt.sources.helpers.rest_client.paginators import BasePaginator
from requests import Request, Response
from requests.auth import AuthBase
from requests.exceptions import JSONDecodeError

from crm_kpi.sources.common.proxies import apply_proxy

from ..settings import API_PREFIX
from .auth import AmoOAuth2Auth, bearer_of
from .errors import AmoCrmApiError, error_for_response, non_json_error
from .paginators import PageNumberLinkPaginator
from .throttle import RequestThrottle, ThrottledAdapter

logger = logging.getLogger("crm_kpi.ingestion.amocrm")

# A progress line at INFO every this many pages of one list (DEBUG for every page).
PROGRESS_EVERY_PAGES = 20


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries of 429, 5xx, timeouts and connection resets, with backoff.

    amoCRM's 429 has no ``Retry-After``: the wait is ``backoff_factor * 2**attempt`` seconds,
    at most ``max_delay``. 403 (a block) is never retried.
    """

    max_attempts: int = 5
    backoff_factor: float = 1.0
    max_delay: float = 60.0
    timeout: float = 60.0


@functools.lru_cache(maxsize=64)
def embedded_items(data_key: str) -> JSONPath:
    """The compiled JSONPath ``_embedded.<data_key>`` of a list's items. dlt's REST client
    compiles a string selector on every page (a PLY parser built each time: a seventh of the
    client's CPU over a long list); a compiled one is used as it is."""
    return compile_path(f"_embedded.{data_key}")


def _endpoint_of(response: Response) -> str:
    path = response.request.path_url if response.request is not None else response.url
    return path.split("?", 1)[0]


def _no_content_is_an_empty_page(response: Response, *args: Any, **kwargs: Any) -> None:
    """amoCRM answers 204 with an empty body when a list (or a page past the end) is empty."""
    if response.status_code == 204:
        raise IgnoreResponseException


class AmoRestClient(RESTClient):
    """RESTClient that understands amoCRM's envelope, 204s, error bodies and token refresh.

    ``auth`` is a long-lived token (a string) or an ``AmoOAuth2Auth``; with OAuth, a 401
    refreshes the token once (through the token store) and retries the request once.
    """

    def __init__(
        self,
        base_url: str,
        auth: str | AuthBase,
        requests_per_second: float,
        retry: RetryPolicy | None = None,
        throttle: RequestThrottle | None = None,
        proxy: str | None = None,
    ) -> None:
        retry = retry or RetryPolicy()
        self.proxy = proxy
        self.throttle = throttle or RequestThrottle(requests_per_second)
        self.adapter = ThrottledAdapter(self.throttle)
        session = Client(
            request_timeout=retry.timeout,
            raise_for_status=False,
            request_max_attempts=retry.max_attempts,
            request_backoff_factor=retry.backoff_factor,
            request_max_retry_delay=retry.max_delay,
        ).session
        session.mount("https://", self.adapter)
        session.mount("http://", self.adapter)
        apply_proxy(session, proxy, "SOURCES__AMOCRM__PROXY")
        super().__init__(
            base_url=base_url.rstrip("/") + API_PREFIX,
            auth=BearerTokenAuth(auth) if isinstance(auth, str) else auth,
            session=session,
        )

    def plain_session(self) -> requests.Session:
        """A session without retries on the same throttle (for the OAuth token endpoint)."""
        session = requests.Session()
        session.mount("https://", self.adapter)
        session.mount("http://", self.adapter)
        apply_proxy(session, self.proxy, "SOURCES__AMOCRM__PROXY")
        return session

    def _send_request(self, request: Request, **kwargs: Any) -> Response:
        try:
            response = super()._send_request(request, **kwargs)
            if response.status_code == 401 and isinstance(self.auth, AmoOAuth2Auth):
                rejected = bearer_of(response.request) or ""
                logger.info("amoCRM: access token refused (401); refreshing it and retrying once")
                self.auth.refresh_after_rejection(rejected)
                response = super()._send_request(request, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as error:
            path = str(request.url).split("?", 1)[0]
            raise AmoCrmApiError(
                path, 0, f"no answer after retries ({type(error).__name__}: {error})"
            ) from error
        return response

    def extract_response(self, response: Response, data_selector: Any) -> list[Any]:
        """Check the status and the body before dlt reads the page."""
        self.raise_for_answer(response)
        return super().extract_response(response, data_selector)

    @staticmethod
    def raise_for_answer(response: Response) -> None:
        """Raise a clear error for anything but a 200 with a JSON body."""
        endpoint = _endpoint_of(response)
        if response.status_code != 200:
            raise error_for_response(endpoint, response)
        try:
            response.json()
        except (JSONDecodeError, ValueError):
            raise non_json_error(endpoint, response) from None

    def get_object(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """GET one object (e.g. ``account``)."""
        response = self.get(path, params=params)
        self.raise_for_answer(response)
        return response.json()

    def iter_pages(
        self,
        path: str,
        data_key: str,
        params: dict[str, Any],
        table: str,
        paginator: BasePaginator | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield the items of every page of a list endpoint, logging progress.

        Without a ``paginator``, pages are numbered (``page=N`` while ``_links.next``) with the
        ``limit`` of ``params`` (default 250).
        """
        params = dict(params)
        paginator = paginator or PageNumberLinkPaginator(int(params.pop("limit", 250)))
        rows = 0
        answers = [0]  # every answer of this listing, retried attempts included

        def count(response: Response, *args: Any, **kwargs: Any) -> None:
            answers[0] += 1

        waited_before = self.throttle.waited_seconds
        page_number = 0
        for page_number, page in enumerate(
            self.paginate(
                path,
                params=params,
                paginator=paginator,
                data_selector=embedded_items(data_key),
                hooks={"response": [count, _no_content_is_an_empty_page]},
            ),
            start=1,
        ):
            rows += len(page)
            level = logging.INFO if page_number % PROGRESS_EVERY_PAGES == 0 else logging.DEBUG
            logger.log(level, "amocrm %s: page %d, %d rows so far", table, page_number, rows)
            yield list(page)
        logger.info(
            "amocrm %s: %d rows in %d pages, %d requests (%d for the account so far), "
            "%.1f s of throttle waits",
            table,
            rows,
            page_number,
            answers[0],
            self.throttle.requests,
            self.throttle.waited_seconds - waited_before,
        )
