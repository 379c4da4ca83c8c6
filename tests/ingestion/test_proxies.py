"""The clients' ``PROXY`` setting (``crm_kpi.sources.common.proxies``): the environment's proxy
by default, ``none``, or one URL, for amoCRM and Bitrix24 alike.

A loopback stub plays the proxy: a forward proxy receives the absolute URL in the request line,
so a request for ``http://crm.invalid/...`` that reaches the stub went through the proxy.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from crm_kpi.sources.amocrm.helpers.client import AmoRestClient
from crm_kpi.sources.bitrix24.helpers.client import Bitrix24Client
from crm_kpi.sources.common.proxies import apply_proxy

UNREACHABLE = "http://crm.invalid"  # .invalid never resolves: only a proxy can answer it


class _Proxy:
    """Answers every request with ``{"result": ...}`` and keeps the request lines' targets."""

    def __init__(self) -> None:
        self.targets: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                proxy.targets.append(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                body = json.dumps({"id": 7, "result": {"ok": True}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer  # noqa: N815

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def proxy() -> Iterator[_Proxy]:
    server = _Proxy()
    yield server
    server.server.shutdown()
    server.server.server_close()


def test_env_is_the_default_and_leaves_requests_reading_the_environment() -> None:
    session = requests.Session()
    apply_proxy(session, None)
    apply_proxy(session, "env")
    assert session.trust_env is True and session.proxies == {}


def test_none_stops_reading_the_environment_but_keeps_its_ca_bundle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/corporate.pem")
    session = requests.Session()
    apply_proxy(session, "none")
    assert session.trust_env is False and session.proxies == {}
    assert session.verify == "/etc/ssl/corporate.pem"


def test_a_value_that_is_no_url_is_refused() -> None:
    with pytest.raises(ValueError, match="SOURCES__AMOCRM__PROXY='proxy.local:3128'"):
        apply_proxy(requests.Session(), "proxy.local:3128", "SOURCES__AMOCRM__PROXY")


def test_amocrm_goes_through_a_configured_proxy(proxy: _Proxy) -> None:
    client = AmoRestClient(UNREACHABLE, "token", requests_per_second=1000, proxy=proxy.url)
    assert client.get_object("account")["id"] == 7
    assert proxy.targets == [f"{UNREACHABLE}/api/v4/account"]


def test_amocrm_goes_through_the_environments_proxy_by_default(
    proxy: _Proxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    client = AmoRestClient(UNREACHABLE, "token", requests_per_second=1000)
    assert client.get_object("account")["id"] == 7
    assert proxy.targets == [f"{UNREACHABLE}/api/v4/account"]


def test_bitrix24_with_none_ignores_the_environments_proxy(
    proxy: _Proxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    direct = Bitrix24Client(proxy.url + "/rest/1/code/", requests_per_second=1000, proxy="none")
    assert direct.call("user.get")["result"] == {"ok": True}
    assert proxy.targets == ["/rest/1/code/user.get"]


def test_bitrix24_goes_through_a_configured_proxy(proxy: _Proxy) -> None:
    client = Bitrix24Client(
        UNREACHABLE + "/rest/1/code/", requests_per_second=1000, proxy=proxy.url
    )
    assert client.call("user.get")["result"] == {"ok": True}
    assert proxy.targets == [f"{UNREACHABLE}/rest/1/code/user.get"]
