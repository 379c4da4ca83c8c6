"""Requests and responses of the emulator, independent of the HTTP server."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import fastjson

HAL_JSON = "application/hal+json; charset=utf-8"
PROBLEM_JSON = "application/problem+json; charset=utf-8"
HTML = "text/html; charset=utf-8"

_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass(frozen=True)
class Request:
    """What the API needs to know about one HTTP request."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes = b""
    client: str = "127.0.0.1"

    def header(self, name: str) -> str | None:
        """A header value, case-insensitively."""
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return None


@dataclass(frozen=True)
class Response:
    """Status, content type (``None`` for an empty body), body and extra headers.

    ``delay_s`` holds the answer back that long; ``reset`` drops the connection instead of
    answering (both emulate network faults).
    """

    status: int
    content_type: str | None = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    reset: bool = False


def hal(payload: Any) -> Response:
    """A 200 ``application/hal+json`` answer."""
    return Response(200, HAL_JSON, _encode(payload))


def no_content() -> Response:
    """A 204 with an empty body and no content type: amoCRM's "nothing found"."""
    return Response(204)


def problem(status: int, detail: str, **extra: Any) -> Response:
    """An ``application/problem+json`` error."""
    title = _TITLES.get(status, "Error")
    body = {
        "title": title,
        "type": f"https://httpstatus.es/{status}",
        "status": status,
        "detail": detail,
        **extra,
    }
    return Response(status, PROBLEM_JSON, _encode(body))


def plain_json(status: int, payload: Any) -> Response:
    """A JSON answer of the OAuth server."""
    return Response(status, "application/json; charset=utf-8", _encode(payload))


def nginx_page(status: int) -> Response:
    """The HTML page a gateway sends (429, 403 block, 5xx): not JSON, no Retry-After."""
    title = f"{status} {_TITLES.get(status, 'Error')}"
    body = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n"
    )
    return Response(status, HTML, body.encode())


def _encode(payload: Any) -> bytes:
    return fastjson.dumps(payload)
