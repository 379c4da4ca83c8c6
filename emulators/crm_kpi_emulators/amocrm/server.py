"""The emulator as a real HTTP server on a loopback port, and its Python handle."""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
import signal
import socket
import struct
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from crm_kpi_emulators.synthetic import Company, CompanyConfig

from .api import AmoApi, Clock
from .gate import Gate
from .oauth import TokenRegistry
from .options import EmulatorOptions
from .payloads import Renderer
from .responses import Request, Response, problem
from .store import Store

logger = logging.getLogger("crm_kpi.emulators.amocrm")

LogEntry = tuple[str, str, str, int]

_next = itertools.count(1).__next__  # makes uids of incoming leads unique


class AmoCrmEmulator:
    """An amoCRM account serving a synthetic company over HTTP (API v4, GET endpoints).

    >>> with AmoCrmEmulator(CompanyConfig(start_date=date(2026, 7, 1)), token="t") as emu:
    ...     requests.get(f"{emu.base_url}/api/v4/leads", headers={"Authorization": "Bearer t"})
    ...     emu.advance(days=1)

    The company is simulated for ``config.days`` days when the emulator starts; ``advance``
    lets it live on. Timestamps never exceed ``now`` (the end of the last simulated day).
    """

    def __init__(
        self,
        config: CompanyConfig,
        token: str = "demo-token",
        host: str = "127.0.0.1",
        port: int = 0,
        options: EmulatorOptions | None = None,
    ) -> None:
        self.config = config
        self.token = token
        self.host = host
        self.port = port
        self.options = options or EmulatorOptions()
        self.company = Company(config)
        self.static = self.company.static
        self.tokens = TokenRegistry(token, self.options)
        self.gate = Gate(self.options)
        self._store: Store | None = None
        self._api: AmoApi | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._temp_path: str | None = None
        self._log: list[LogEntry] = []
        self._log_lock = threading.Lock()
        self.build_seconds = 0.0

    # ---- identity and clock -----------------------------------------------------------------

    @property
    def subdomain(self) -> str:
        """The account's subdomain."""
        return self.static.account.subdomain

    @property
    def account_id(self) -> int:
        """The account id."""
        return self.static.account.id

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the running server (the API is under ``/api/v4/``)."""
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start() first")
        return f"http://{self.host}:{self.port}"

    @property
    def now(self) -> int:
        """The emulated clock: UTC epoch seconds at the end of the last simulated day."""
        return self.company.now

    @property
    def days_lived(self) -> int:
        """How many days the company has been simulated."""
        return self.company.next_day_index

    @property
    def store(self) -> Store:
        """The data store (built on ``start()``)."""
        if self._store is None:
            raise RuntimeError("the emulator has no data yet; call start() first")
        return self._store

    # ---- life cycle ---------------------------------------------------------------------------

    def start(self) -> AmoCrmEmulator:
        """Simulate the company, then serve it in a background thread."""
        if self._server is not None:
            return self
        started = time.perf_counter()
        path = self.options.storage_path
        if path == "":
            handle, path = tempfile.mkstemp(prefix="amocrm-emulator-", suffix=".sqlite")
            os.close(handle)
            self._temp_path = path
        self._store = Store(Renderer(self.static, self.options), path)
        self._store.apply(self.company.days())
        self.build_seconds = time.perf_counter() - started
        clock = Clock(now=lambda: self.company.now, days_lived=lambda: self.days_lived)
        self._api = AmoApi(self._store, self.static, self.options, self.tokens, self.gate, clock)
        self._server = _Server((self.host, self.port), _Handler, self)
        self.port = self._server.server_address[1]
        server = self._server
        self._thread = threading.Thread(
            target=lambda: server.serve_forever(poll_interval=0.05),
            name=f"amocrm-emulator-{self.port}",
            daemon=True,
        )
        self._thread.start()
        logger.info("amoCRM emulator on %s (built in %.1f s)", self.base_url, self.build_seconds)
        return self

    def stop(self) -> None:
        """Stop serving and drop the data."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._store is not None:
            self._store.close()
            self._store = None
        if self._temp_path is not None:
            os.unlink(self._temp_path)
            self._temp_path = None

    def __enter__(self) -> AmoCrmEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def advance(self, days: int = 1) -> int:
        """Let the company live ``days`` more days; new and changed records appear at once."""
        if days < 0:
            raise ValueError("days must not be negative")
        return self.store.apply(self.company.next_day() for _ in range(days))

    # ---- observation and control --------------------------------------------------------------

    @property
    def request_log(self) -> list[LogEntry]:
        """``(method, path, query_string, status)`` of every request so far (a copy)."""
        with self._log_lock:
            return list(self._log)

    def reset_request_log(self) -> None:
        """Forget the requests logged so far."""
        with self._log_lock:
            self._log.clear()

    def issue_authorization_code(self) -> str:
        """An OAuth authorization code to exchange at ``POST /oauth2/access_token``."""
        return self.tokens.issue_code()

    def expire_access_tokens(self) -> None:
        """Expire every OAuth access token now (the static token stays valid)."""
        self.tokens.expire_access_tokens()

    def unblock(self) -> None:
        """Lift a rate-limit block (what amoCRM support does on request)."""
        self.gate.unblock()

    def delete_lead(self, lead_id: int) -> bool:
        """Move a lead to the bin now, as the account's admin would (emits ``lead_deleted``)."""
        return self.store.set_lead_deleted(lead_id, True, self.now, self.static.admin.id)

    def restore_lead(self, lead_id: int) -> bool:
        """Restore a lead from the bin now (emits ``lead_restored``)."""
        return self.store.set_lead_deleted(lead_id, False, self.now, self.static.admin.id)

    def add_unsorted(
        self,
        category: str = "forms",
        pipeline_id: int | None = None,
        contact_ids: tuple[int, ...] = (),
        lead_ids: tuple[int, ...] = (),
        created_at: int | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> str:
        """Add an incoming (unsorted) lead to ``GET /api/v4/leads/unsorted``; returns its uid.

        The synthetic company has none of its own: tests add them here. ``pipeline_id``
        defaults to the main pipeline and ``created_at`` to the emulated now.
        """
        at = self.now if created_at is None else created_at
        uid = hashlib.sha256(f"{self.account_id}:unsorted:{category}:{at}:{_next()}".encode())
        item = {
            "uid": uid.hexdigest()[:60],
            "source_uid": None,
            "source_name": None,
            "category": category,
            "pipeline_id": pipeline_id or self.static.pipelines[0].id,
            "created_at": at,
            "metadata": dict(metadata or {}),
            "account_id": self.account_id,
            "_embedded": {
                "contacts": [{"id": contact_id} for contact_id in contact_ids],
                "leads": [{"id": lead_id} for lead_id in lead_ids],
                "companies": [],
            },
        }
        self.store.add_unsorted(item)
        return item["uid"]

    def block(self) -> None:
        """Block the account as after repeated rate-limit violations (every request: 403)."""
        self.gate.blocked = True

    def answer(self, request: Request) -> Response:
        """Answer one request (the HTTP layer calls this; tests may too)."""
        if self._api is None:
            raise RuntimeError("the emulator is not running; call start() first")
        try:
            response = self._api.handle(request)
        except Exception:  # noqa: BLE001 - a server must answer, and say what broke
            logger.exception("amoCRM emulator failed on %s %s", request.method, request.path)
            response = problem(500, "Internal emulator error; see the server log")
        with self._log_lock:
            self._log.append((request.method, request.path, request.query, response.status))
        return response


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type, emulator: AmoCrmEmulator):
        self.emulator = emulator
        super().__init__(address, handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY: the headers and the body leave in two writes; with Nagle's algorithm the
    # body waits for the client's delayed ACK of the headers (~40 ms per request on Linux).
    disable_nagle_algorithm = True
    server: _Server

    def _serve(self) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(
            method=self.command,
            path=split.path,
            query=split.query,
            headers=dict(self.headers.items()),
            body=body,
            client=self.client_address[0],
        )
        response = self.server.emulator.answer(request)
        if response.reset:
            self._drop_connection()
            return
        if response.delay_s:
            time.sleep(response.delay_s)
        try:
            self._send(response)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up waiting (an injected timeout)

    def _drop_connection(self) -> None:
        """Reset the TCP connection without answering (SO_LINGER 0 sends an RST)."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.status != 204:
            if response.content_type:
                self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if response.status != 204 and self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Silence the default stderr access log (the emulator keeps ``request_log``)."""


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(
    config: CompanyConfig,
    host: str = "127.0.0.1",
    port: int = 8080,
    token: str = "demo-token",
    options: EmulatorOptions | None = None,
) -> None:
    """Run the emulator in the foreground until interrupted (Ctrl+C or SIGTERM)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
    emulator = AmoCrmEmulator(config, token=token, host=host, port=port, options=options)
    print(f"Simulating {config.days} days of the '{config.subdomain}' company...", flush=True)
    emulator.start()
    counts = emulator.store.counts()
    print(
        f"amoCRM emulator ready in {emulator.build_seconds:.1f} s: {emulator.base_url}/api/v4/ "
        f"(account {emulator.account_id}, subdomain '{emulator.subdomain}')\n"
        f"Authorization: Bearer {token}\n"
        f"Data: {counts}\nPress Ctrl+C to stop.",
        flush=True,
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("Stopping the amoCRM emulator.", flush=True)
    finally:
        emulator.stop()
