"""HTTP answers whose JSON body is parsed once, with dlt's fast JSON (orjson when installed).

The client checks a page's status and body, dlt's REST client selects its data and the
paginator reads its links: three reads of one body. ``requests`` would parse it three times,
with ``simplejson`` when that is installed (several times slower than orjson); a transport
adapter deriving from ``ParsedOnceAdapter`` hands out responses that parse it once.
"""

from __future__ import annotations

from typing import Any

from dlt.common import json
from requests import PreparedRequest, Response
from requests.adapters import HTTPAdapter

_UNSET = object()


class ParsedOnceResponse(Response):
    """A ``Response`` whose ``json()`` parses the body on first use and then remembers it.

    An unparseable body raises ``ValueError`` on every call (as ``requests`` does).
    """

    _parsed: Any = _UNSET

    def json(self, **kwargs: Any) -> Any:
        """The parsed JSON body (the same object on every call)."""
        if self._parsed is _UNSET:
            self._parsed = json.loadb(self.content)
        return self._parsed


class ParsedOnceAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose responses are ``ParsedOnceResponse``."""

    def build_response(self, req: PreparedRequest, resp: Any) -> Response:
        response = super().build_response(req, resp)
        response.__class__ = ParsedOnceResponse
        return response
