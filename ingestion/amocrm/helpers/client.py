"""The REST client of the amoCRM source, built on dlt's RESTClient, paginator and retries."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from dlt.sources.helpers.requests.retry import Client
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
from dlt.sources.helpers.rest_client.exceptions import IgnoreResponseException
from dlt.sources.helpers.rest_client.paginators import JSONLinkPaginator
from requests import Response
from requests.exceptions import JSONDecodeError

from ..settings import API_PREFIX
from .errors import error_for_response, non_json_error
from .throttle import RequestThrottle, ThrottledAdapter

logger = logging.getLogger("crm_kpi.ingestion.amocrm")


def _endpoint_of(response: Response) -> str:
    path = response.request.path_url if response.request is not None else response.url
    return path.split("?", 1)[0]


def _no_content_is_an_empty_page(response: Response, *args: Any, **kwargs: Any) -> None:
    """amoCRM answers 204 with an empty body when a list (or a page past the end) is empty."""
    if response.status_code == 204:
        raise IgnoreResponseException


class AmoRestClient(RESTClient):
    """RESTClient that understands amoCRM's envelope, 204s and error bodies."""

    def __init__(self, base_url: str, access_token: str, requests_per_second: float) -> None:
        self.throttle = RequestThrottle(requests_per_second)
        session = Client(raise_for_status=False).session
        adapter = ThrottledAdapter(self.throttle)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        super().__init__(
            base_url=base_url.rstrip("/") + API_PREFIX,
            auth=BearerTokenAuth(access_token),
            session=session,
        )

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
        self, path: str, data_key: str, params: dict[str, Any], table: str
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield the items of every page of a list endpoint, logging progress."""
        rows = 0
        for page_number, page in enumerate(
            self.paginate(
                path,
                params=params,
                paginator=JSONLinkPaginator(next_url_path="_links.next.href"),
                data_selector=f"_embedded.{data_key}",
                hooks={"response": [_no_content_is_an_empty_page]},
            ),
            start=1,
        ):
            rows += len(page)
            logger.debug("amocrm %s: page %d, %d rows so far", table, page_number, rows)
            yield list(page)
        logger.info(
            "amocrm %s: %d rows (%d requests so far, %.0f s spent waiting for the throttle)",
            table,
            rows,
            self.throttle.requests,
            self.throttle.waited_seconds,
        )
