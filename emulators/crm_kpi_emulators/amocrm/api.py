"""The amoCRM API v4 as a pure request -> response function: gatekeeping and routing."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from crm_kpi_emulators.synthetic import CompanyStatic

from .crm_entities import EntityEndpoints
from .dictionaries import DictionaryEndpoints
from .endpoint_base import Clock
from .gate import Gate
from .incoming import IncomingEndpoints
from .listing import Links
from .oauth import TokenRegistry
from .options import EmulatorOptions
from .query import BadRequest, Query
from .responses import Request, Response, problem
from .store import Store
from .timeline import TimelineEndpoints

API = "/api/v4/"

__all__ = ["API", "AmoApi", "Clock"]


ADMIN_ONLY = re.compile(r"users(/\d+)?")


class AmoApi(DictionaryEndpoints, EntityEndpoints, TimelineEndpoints, IncomingEndpoints):
    """Answers requests for one emulated account (no sockets here)."""

    def __init__(
        self,
        store: Store,
        static: CompanyStatic,
        options: EmulatorOptions,
        tokens: TokenRegistry,
        gate: Gate,
        clock: Clock,
    ) -> None:
        super().__init__(store, static, options, clock)
        self.tokens = tokens
        self.gate = gate
        self._routes: list[tuple[re.Pattern[str], Callable[..., Response]]] = [
            (re.compile(pattern), handler)
            for pattern, handler in (
                (r"account", self._account),
                (r"users", self._users),
                (r"users/(\d+)", self._user),
                (r"leads/pipelines", self._pipelines),
                (r"leads/pipelines/(\d+)", self._pipeline),
                (r"leads/pipelines/(\d+)/statuses", self._statuses),
                (r"leads/pipelines/(\d+)/statuses/(\d+)", self._status),
                (r"leads/loss_reasons", self._loss_reasons),
                (r"leads/loss_reasons/(\d+)", self._loss_reason),
                (r"leads/unsorted", self._unsorted),
                (r"(leads|contacts|companies)/custom_fields", self._custom_fields),
                (r"(leads|contacts|companies)/tags", self._tags),
                (r"sources", self._sources),
                (r"(leads|contacts|companies)/notes", self._notes),
                (r"(leads|contacts|companies)/(\d+)/notes", self._notes),
                (r"(leads|contacts|companies)/notes/(\d+)", self._note),
                (r"(leads|contacts|companies)/(\d+)/notes/(\d+)", self._entity_note),
                (r"leads", self._leads),
                (r"leads/(\d+)", self._lead),
                (r"contacts", self._contacts),
                (r"contacts/(\d+)", self._contact),
                (r"companies", self._companies),
                (r"companies/(\d+)", self._company),
                (r"tasks", self._tasks),
                (r"tasks/(\d+)", self._task),
                (r"events", self._list_events),
                (r"events/types", self._event_types),
                (r"events/([0-9a-z]+)", self._event),
            )
        ]

    # ---- entry point ------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Answer one request."""
        is_api = request.path.startswith(API)
        blocked = self.gate.check(request, is_api)
        if blocked is not None:
            return blocked
        if request.path.rstrip("/") == "/oauth2/access_token":
            return self.tokens.exchange(request)
        if not is_api:
            return problem(404, f"Unknown path {request.path}; the API lives under {API}")
        if not self.tokens.is_valid(request.header("Authorization")):
            return problem(401, "Unauthorized")
        route = request.path[len(API) :].strip("/")
        query = Query(request.query)
        links = Links(self._base(request), request.path.rstrip("/"), query)
        if request.method == "POST" and route == "calls":
            try:
                return self._post_calls(request, links)
            except BadRequest as error:
                return problem(400, str(error))
        if request.method != "GET":
            return problem(405, "This emulator serves GET requests and POST /api/v4/calls only")
        override = dict(self.options.status_overrides).get(route)
        if override is not None:
            return problem(override, f"Injected answer {override} for {request.path}")
        if ADMIN_ONLY.fullmatch(route) and not self._is_admin(request):
            return problem(403, "Access denied: the users list is for account admins only")
        for pattern, handler in self._routes:
            match = pattern.fullmatch(route)
            if match:
                try:
                    response = handler(query, links, *match.groups())
                except BadRequest as error:
                    return problem(400, str(error))
                if self.options.slow_page_s and query.first("limit") == "250":
                    response = dataclasses.replace(response, delay_s=self.options.slow_page_s)
                return response
        return problem(404, f"Not found: {request.path}")

    def _is_admin(self, request: Request) -> bool:
        """Whether the request's token acts as an account admin (user tokens may not)."""
        user_id = self.tokens.user_of(request.header("Authorization"))
        if user_id is None:
            return True
        manager = self.static.managers_by_id.get(user_id)
        return manager is not None and manager.is_admin

    def _base(self, request: Request) -> str:
        """Scheme and host of the ``_links``: the configured one, else the request's Host."""
        if self.options.links_host:
            return self.options.links_host.rstrip("/")
        return f"http://{request.header('Host') or 'localhost'}"
