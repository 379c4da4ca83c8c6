"""The amoCRM REST client: empty pages, clear errors, no retry on a block, throttling."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crm_kpi.sources.amocrm.helpers.client import AmoRestClient
from crm_kpi.sources.amocrm.helpers.errors import AmoCrmApiError
from crm_kpi.sources.amocrm.helpers.throttle import RequestThrottle

Answer = tuple[int, str, bytes]


class _Stub:
    """A loopback HTTP server answering every GET with ``answer(path)``."""

    def __init__(self, answer: Callable[[str], Answer]) -> None:
        self.paths: list[str] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                stub.paths.append(self.path)
                status, content_type, body = answer(self.path)
                self.send_response(status)
                if content_type:
                    self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stub() -> Iterator[Callable[[Callable[[str], Answer]], _Stub]]:
    servers: list[_Stub] = []

    def start(answer: Callable[[str], Answer]) -> _Stub:
        servers.append(_Stub(answer))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _client(url: str) -> AmoRestClient:
    return AmoRestClient(url, "token", requests_per_second=1000)


def _pages(client: AmoRestClient) -> list[list[dict]]:
    return list(client.iter_pages("leads", "leads", {"limit": 2}, "leads"))


def test_two_pages_then_no_next_link(stub) -> None:
    def answer(path: str) -> Answer:
        page = 2 if "page=2" in path else 1
        body = {"_page": page, "_links": {}, "_embedded": {"leads": [{"id": page}]}}
        if page == 1:
            body["_links"]["next"] = {"href": "/api/v4/leads?limit=2&page=2"}
        return 200, "application/hal+json", json.dumps(body).encode()

    server = stub(answer)
    assert _pages(_client(server.url)) == [[{"id": 1}], [{"id": 2}]]


def test_204_is_an_empty_list(stub) -> None:
    server = stub(lambda path: (204, "", b""))
    assert _pages(_client(server.url)) == []


def test_html_where_json_was_expected_names_the_endpoint(stub) -> None:
    server = stub(lambda path: (200, "text/html", b"<html>maintenance</html>"))
    with pytest.raises(AmoCrmApiError, match=r"/api/v4/leads.*expected a JSON body"):
        _pages(_client(server.url))


def test_403_block_stops_at_once_without_retry(stub) -> None:
    html = b"<html><center><h1>403 Forbidden</h1></center><hr><center>nginx</center></html>"
    server = stub(lambda path: (403, "text/html", html))
    with pytest.raises(AmoCrmApiError, match="blocked API access") as error:
        _pages(_client(server.url))
    assert error.value.status == 403
    assert len(server.paths) == 1


def test_401_says_how_to_fix_the_token(stub) -> None:
    problem = json.dumps({"title": "Unauthorized", "status": 401}).encode()
    server = stub(lambda path: (401, "application/problem+json", problem))
    with pytest.raises(AmoCrmApiError, match="SOURCES__AMOCRM__ACCESS_TOKEN"):
        _pages(_client(server.url))


def test_throttle_spaces_requests() -> None:
    throttle = RequestThrottle(requests_per_second=50)
    started = time.monotonic()
    for _ in range(11):
        throttle.wait()
    assert throttle.requests == 11
    assert time.monotonic() - started >= 10 / 50 * 0.9


def test_throttle_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="positive"):
        RequestThrottle(0)
