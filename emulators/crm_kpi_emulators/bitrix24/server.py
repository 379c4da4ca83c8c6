"""The Bitrix24 emulator as a real HTTP server: routing, auth, OAuth, limits and faults."""

from __future__ import annotations

import json
import logging
import secrets
import signal
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from crm_kpi_emulators.synthetic import Company, CompanyConfig

from .. import fastjson
from .api import MethodError, PortalApi
from .limits import Clock, FaultInjector, LeakyBucket, OperatingBudget
from .options import Bitrix24Options
from .query import lower_keys, parse_php_query
from .records import Renderer
from .store import PortalStore

logger = logging.getLogger("crm_kpi.emulators.bitrix24")
JSON_TYPE = "application/json; charset=utf-8"
HTML_PAGE = (
    b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
)


@dataclass(frozen=True)
class LogEntry:
    """One HTTP request the emulator answered."""

    method: str  # the REST method (``crm.deal.list``, ``batch``, ``oauth``)
    status: int
    error: str | None
    commands: int  # subcalls of a batch, else 1
    detail: str = ""  # the methods a batch's subcalls call, comma-separated


@dataclass
class _Tokens:
    access: dict[str, float] = field(default_factory=dict)  # token -> expires at
    refresh: set[str] = field(default_factory=set)
    codes: set[str] = field(default_factory=set)


class Bitrix24Emulator:
    """A Bitrix24 portal serving a synthetic company over HTTP (webhook and OAuth paths).

    >>> with Bitrix24Emulator(CompanyConfig(days=20)) as emu:
    ...     requests.post(emu.webhook_url + "crm.deal.list", json={"order": {"ID": "ASC"}})
    """

    def __init__(
        self,
        config: CompanyConfig,
        host: str = "127.0.0.1",
        port: int = 0,
        options: Bitrix24Options | None = None,
    ) -> None:
        self.config = config
        self.host, self.port = host, port
        self.options = options or Bitrix24Options()
        self.company = Company(config)
        self.clock = Clock()
        self.bucket = LeakyBucket(self.options, self.clock)
        self.budget = OperatingBudget(self.options, self.clock)
        self.faults = FaultInjector(self.options)
        self.store = PortalStore(
            Renderer(self.company.static, self.options), self.options.stagehistory_typed
        )
        self.api = PortalApi(
            self.store, self.options, self.budget, self.clock, lambda: self.company.next_day_index
        )
        self.tokens = _Tokens()
        self._lock = threading.Lock()
        self._log: list[LogEntry] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.build_seconds = 0.0

    @property
    def portal(self) -> str:
        """The portal's domain (``demo.bitrix24.ru``); the account key is ``bitrix24:<portal>``."""
        return f"{self.company.static.account.subdomain}.bitrix24.ru"

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the running server."""
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start() first")
        return f"http://{self.host}:{self.port}"

    @property
    def webhook_url(self) -> str:
        """The incoming-webhook prefix ``.../rest/{user}/{code}/`` (append a method name)."""
        o = self.options
        return f"{self.base_url}/rest/{o.webhook_user_id}/{o.webhook_code}/"

    # ---- life cycle ---------------------------------------------------------------------------

    def start(self) -> Bitrix24Emulator:
        """Simulate the company, then serve it in a background thread."""
        if self._server is not None:
            return self
        started = time.perf_counter()
        self.store.apply(self.company.days())
        self.build_seconds = time.perf_counter() - started
        self._server = _Server((self.host, self.port), _Handler, self)
        self.port = self._server.server_address[1]
        server = self._server
        self._thread = threading.Thread(
            target=lambda: server.serve_forever(poll_interval=0.05),
            name=f"bitrix24-emulator-{self.port}",
            daemon=True,
        )
        self._thread.start()
        logger.info("Bitrix24 emulator on %s (built in %.1f s)", self.base_url, self.build_seconds)
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Bitrix24Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def advance(self, days: int = 1) -> int:
        """Let the company live ``days`` more days."""
        return self.store.apply(self.company.next_day() for _ in range(days))

    def delete_deal(self, deal_id: int) -> None:
        """``crm.deal.delete``: the deal, its history and activities vanish from every list."""
        self.store.delete_deal(deal_id)

    # ---- observation --------------------------------------------------------------------------

    @property
    def request_log(self) -> list[LogEntry]:
        """Every answered request so far (a copy)."""
        with self._lock:
            return list(self._log)

    def reset_request_log(self) -> None:
        """Forget the logged requests."""
        with self._lock:
            self._log.clear()

    # ---- OAuth ------------------------------------------------------------------------------

    def issue_authorization_code(self) -> str:
        """A code to exchange at ``/oauth/token/`` (what the redirect after authorize carries)."""
        code = secrets.token_hex(8)
        with self._lock:
            self.tokens.codes.add(code)
        return code

    def expire_access_tokens(self) -> None:
        """Expire every OAuth access token now."""
        with self._lock:
            self.tokens.access = {token: 0.0 for token in self.tokens.access}

    def _oauth(self, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        o = self.options
        if params.get("client_id") != o.client_id or params.get("client_secret") != o.client_secret:
            return 401, {"error": "invalid_client", "error_description": "Invalid client"}
        grant = params.get("grant_type")
        with self._lock:
            if grant == "authorization_code" and params.get("code") in self.tokens.codes:
                self.tokens.codes.discard(params["code"])
            elif grant == "refresh_token" and params.get("refresh_token") in self.tokens.refresh:
                self.tokens.refresh.discard(params["refresh_token"])  # rotation: single use
            else:
                return 400, {"error": "invalid_grant", "error_description": "Invalid grant"}
            access, refresh = secrets.token_hex(16), secrets.token_hex(16)
            expires = self.clock.now() + o.access_token_ttl
            self.tokens.access[access] = expires
            self.tokens.refresh.add(refresh)
        return 200, {
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": o.access_token_ttl,
            "expires": int(expires),
            "client_endpoint": f"{self.base_url}/rest/",
            "server_endpoint": f"{self.base_url}/oauth/rest/",
            "domain": "oauth.bitrix.info",
            "member_id": "demo-member",
            "scope": "crm,user,department,task,telephony",
            "status": "L",
            "user_id": int(o.webhook_user_id),
        }

    # ---- answering ----------------------------------------------------------------------------

    def answer(
        self, http_method: str, path: str, query: str, body: bytes, content_type: str, client: str
    ) -> tuple[int, str, bytes]:
        """Answer one HTTP request: ``(status, content type, body)``."""
        if path.rstrip("/") == "/oauth/token":
            status, payload = self._oauth(dict(parse_qsl(query)))
            self._record("oauth", status, payload.get("error"), 1)
            return status, JSON_TYPE, _dump(payload)
        params = parse_php_query(query)
        if body:
            if "json" in content_type:
                try:
                    loaded = json.loads(body)
                except ValueError:
                    return self._error("", 400, "INVALID_REQUEST", "Invalid JSON body")
                params.update({str(k).lower(): v for k, v in (loaded or {}).items()})
            else:
                params.update(parse_php_query(body.decode("utf-8")))
        route = self._route(path, params)
        if len(route) == 3:
            return route  # type: ignore[return-value]
        method, credential = route  # type: ignore[misc]
        if self.options.access_denied:
            return self._error(
                method, 403, "ACCESS_DENIED", "REST API is available only on commercial plans"
            )
        if self.options.overload:
            return self._error(method, 503, "OVERLOAD_LIMIT", "REST API is blocked due to overload")
        fault = self.faults.draw()
        if fault == "timeout":
            time.sleep(self.options.timeout_delay_s)
        elif fault == "html":
            self._record(method, 502, "html", 1)
            return 502, "text/html; charset=utf-8", HTML_PAGE
        elif fault is not None:
            code = {
                "query_limit": (503, "QUERY_LIMIT_EXCEEDED", "Too many requests"),
                "operation_time": (
                    429,
                    "OPERATION_TIME_LIMIT",
                    "Method is blocked due to operation time limit.",
                ),
                "server_error": (500, "INTERNAL_SERVER_ERROR", "Internal server error"),
            }[fault]
            return self._error(method, *code, reset_at=int(self.clock.now()) + 1)
        if not self.bucket.admit(client):
            return self._error(method, 503, "QUERY_LIMIT_EXCEEDED", "Too many requests")
        started = self.clock.now()
        try:
            if method == "batch":
                payload: dict[str, Any] = {"result": self.api.batch(params, credential)}
                commands = len(params.get("cmd") or {})
                detail = _subcall_methods(params.get("cmd"))
                payload["time"] = self.api.time_block(started)
            else:
                result = self.api.call(method, params, credential)
                commands, detail = 1, ""
                payload = {"result": result.result}
                if result.total is not None:
                    payload["total"] = result.total
                if result.next is not None:
                    payload["next"] = result.next
                operating, reset_at = self.budget.status(credential, method)
                payload["time"] = self.api.time_block(started, operating, reset_at)
        except MethodError as error:
            reset = self.budget.status(credential, method)[1] if error.status == 429 else None
            return self._error(method, error.status, error.code, error.description, reset_at=reset)
        except Exception:  # noqa: BLE001 - a server must answer, and say what broke
            logger.exception("Bitrix24 emulator failed on %s", method)
            return self._error(method, 500, "INTERNAL_SERVER_ERROR", "Internal server error")
        self._record(method, 200, None, commands, detail)
        return 200, JSON_TYPE, _dump(payload)

    def _route(self, path: str, params: dict[str, Any]) -> tuple[str, str] | tuple[int, str, bytes]:
        parts = [part for part in path.split("/") if part]
        if not parts or parts[0] != "rest" or len(parts) not in (2, 4):
            return self._error("", 404, "ERROR_METHOD_NOT_FOUND", "Method not found!")
        method = parts[-1].lower().removesuffix(".json")
        if len(parts) == 4:  # webhook: /rest/{user}/{code}/{method}
            o = self.options
            if parts[1] != o.webhook_user_id or parts[2] != o.webhook_code:
                return self._error(method, 401, "NO_AUTH_FOUND", "Wrong authorization data")
            return method, f"webhook:{parts[1]}"
        token = str(params.pop("auth", "") or "")
        with self._lock:
            expires = self.tokens.access.get(token)
        if expires is None:
            return self._error(
                method, 401, "invalid_token", "The access token provided is invalid."
            )
        if expires <= self.clock.now():
            return self._error(
                method, 401, "expired_token", "The access token provided has expired."
            )
        return method, "app:" + self.options.client_id

    def _error(
        self, method: str, status: int, code: Any, description: str, reset_at: int | None = None
    ) -> tuple[int, str, bytes]:
        self._record(method, status, str(code), 1)
        payload: dict[str, Any] = {"error": code, "error_description": description}
        if reset_at is not None:  # not in real error bodies; a hint our client also accepts
            payload["time"] = {"operating_reset_at": reset_at}
        return status, JSON_TYPE, _dump(payload)

    def _record(
        self, method: str, status: int, error: str | None, commands: int, detail: str = ""
    ) -> None:
        with self._lock:
            self._log.append(LogEntry(method, status, error, commands, detail))


def _subcall_methods(commands: Any) -> str:
    """``crm.deal.list,crm.lead.list``: the methods the commands of a batch call (stage
    history with its ``entityTypeId``); a scan of every ID (``select`` ID alone, no filter but
    ``>ID``) is marked ``[id scan]``."""
    values = commands.values() if isinstance(commands, dict) else commands or []
    labels = set()
    for command in values:
        method, _, query = str(command).partition("?")
        params = lower_keys(parse_php_query(query))
        select = params.get("select")
        fields = list(select.values()) if isinstance(select, dict) else list(select or [])
        filters = params.get("filter") or {}
        id_scan = fields == ["ID"] and set(filters) <= {">ID"}
        entity = params.get("entitytypeid")  # crm.stagehistory.list: deals and leads apart
        labels.add(
            method.lower()
            + (f"?entityTypeId={entity}" if entity else "")
            + (" [id scan]" if id_scan else "")
        )
    return ",".join(sorted(labels))


def _dump(payload: Any) -> bytes:
    return fastjson.dumps(payload)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type, emulator: Bitrix24Emulator):
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
        status, content_type, payload = self.server.emulator.answer(
            self.command,
            split.path,
            split.query,
            body,
            self.headers.get("Content-Type") or "",
            self.client_address[0],
        )
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout fault)

    do_GET = do_POST = _serve  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Silence the default access log (the emulator keeps ``request_log``)."""


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(
    config: CompanyConfig,
    host: str = "127.0.0.1",
    port: int = 8766,
    options: Bitrix24Options | None = None,
) -> None:
    """Run the emulator in the foreground until interrupted (Ctrl+C or SIGTERM)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
    emulator = Bitrix24Emulator(config, host=host, port=port, options=options)
    print(f"Simulating {config.days} days of the '{config.subdomain}' company...", flush=True)
    emulator.start()
    print(
        f"Bitrix24 emulator ready in {emulator.build_seconds:.1f} s (portal {emulator.portal})\n"
        f"Webhook: {emulator.webhook_url}<method>\n"
        f"Data: {emulator.store.counts()}\nPress Ctrl+C to stop.",
        flush=True,
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("Stopping the Bitrix24 emulator.", flush=True)
    finally:
        emulator.stop()
