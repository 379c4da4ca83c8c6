"""A tiny replay server for the recorded responses in ``tests/fixtures/recorded/``.

Separate from the emulators on purpose: it knows nothing about our synthetic company and
serves the recorded payloads as they are, with only the little protocol the real sources
need to finish a load:

- amoCRM (``GET /api/v4/<path>``): ``amocrm/<path with / as __>.json``; 204 when there is no
  recording, for ``page`` > 1 and for ``with=only_deleted``; ``filter[<field>][from]`` drops
  older rows (the source checks that filters are honoured).
- Bitrix24 (``POST /rest/<user>/<code>/<method>``, JSON, also inside ``batch``):
  ``bitrix24/<method>.json``; ``filter[>ID]`` keyset pages and ``filter[ENTITY_ID]`` apply,
  no recording is an empty list.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "recorded"
WRAPS = {"crm.stagehistory.list": "items", "tasks.task.list": "tasks"}


def _load(crm: str, name: str) -> Any:
    path = RECORDED / crm / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _amocrm(path: str, query: str) -> tuple[int, Any]:
    params = dict(parse_qsl(query))
    route = path.removeprefix("/api/v4/").strip("/")
    body = _load("amocrm", route.replace("/", "__"))
    if body is None or int(params.get("page", "1")) > 1 or params.get("with") == "only_deleted":
        return 204, None
    for name, value in params.items():
        if name.startswith("filter[") and name.endswith("][from]") and "_embedded" in body:
            field = name[len("filter[") : -len("][from]")]
            for key, rows in body["_embedded"].items():
                body["_embedded"][key] = [r for r in rows if int(r.get(field) or 0) >= int(value)]
            if not any(body["_embedded"].values()):
                return 204, None
    return 200, body


def _rows_after(rows: list[dict[str, Any]], params: dict[str, str]) -> list[dict[str, Any]]:
    """Apply the filters the sources send: ``>ID`` (keyset) and a per-entity ``ENTITY_ID``."""
    lowered = {key.lower(): value for key, value in params.items()}
    after = lowered.get("filter[>id]")
    if after is not None:
        if not after.isdigit():
            return []  # a $result[...] reference past the last page
        rows = [row for row in rows if int(row.get("ID", row.get("id", 0))) > int(after)]
    for field in ("entity_id", "entity_type"):
        wanted = lowered.get(f"filter[{field}]")
        if wanted is not None:
            rows = [row for row in rows if str(row.get(field.upper())) == wanted]
    return rows


def _bitrix_method(method: str, params: dict[str, str]) -> Any:
    recorded = _load("bitrix24", method)
    if method == "crm.stagehistory.list" and str(params.get("entityTypeId")) != "2":
        recorded = None
    wrap = WRAPS.get(method)
    if recorded is None:
        return {wrap: []} if wrap else []
    result = recorded["result"]
    if wrap:
        return {wrap: _rows_after(result[wrap], params)}
    return _rows_after(result, params) if isinstance(result, list) else result


def _bitrix(method: str, body: dict[str, Any]) -> Any:
    if method != "batch":
        recorded = _load("bitrix24", method)
        if recorded is not None:
            return recorded
        return {"result": _bitrix_method(method, {}), "total": 0, "time": {}}
    results = {}
    for key, command in (body.get("cmd") or {}).items():
        name, _, query = str(command).partition("?")
        results[key] = _bitrix_method(name, dict(parse_qsl(query)))
    payload = {"result": results, "result_error": [], "result_total": [], "result_next": []}
    return {"result": {**payload, "result_time": []}, "time": {}}


class _Handler(BaseHTTPRequestHandler):
    def _answer(self, status: int, body: Any) -> None:
        data = b"" if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        split = urlsplit(self.path)
        self._answer(*_amocrm(split.path, split.query))

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        method = urlsplit(self.path).path.rstrip("/").rsplit("/", 1)[-1].removesuffix(".json")
        self._answer(200, _bitrix(method, body))

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet."""


class ReplayServer:
    """``with ReplayServer() as server: server.base_url`` (loopback, a free port)."""

    def __init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
