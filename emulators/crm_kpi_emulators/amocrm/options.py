"""Knobs of the amoCRM emulator: paging rules, unconfirmed behaviours, limits and faults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class EmulatorOptions:
    """How the emulator behaves where amoCRM's behaviour is configurable or unconfirmed.

    The defaults are a well-behaved account: filters on, no rate limit, no faults.

    Attributes:
        default_limit: page size when ``limit`` is not given.
        max_limit: largest page of every list (amoCRM: 250).
        events_max_limit: largest page of ``/events`` (250 in the EN docs, 100 in the RU docs).
        over_limit: what a ``limit`` above the maximum does: ``clamp`` it, answer 400
            (``error``), or fall back to ``default_limit`` (``default``).
        events_default_order: order of ``/events`` without ``order[...]`` (undocumented;
            newest first here).
        filters_enabled: ``False`` emulates an account without API filters
            (``is_api_filter_enabled: false``): every ``filter[...]`` except ``filter[id]`` is
            ignored.
        not_found_status: answer to a GET by id of a missing entity (amoCRM sends 204).
        links_host: build ``_links`` on this ``scheme://host`` (e.g. a "shard" host) instead of
            the request's Host header.
        storage_path: where the SQLite data lives: ``None`` in memory, ``""`` a temporary file
            (deleted on ``stop()``; for huge companies), else that file.
        requests_per_second: per-token rate limit (amoCRM: 7); ``None`` disables limiting.
        burst: requests a token may send at once before the rate applies.
        block_after_429: that many 429s within ``block_window_s`` seconds block the account:
            every request then gets a 403 HTML page until ``unblock()``. ``None``: never.
        block_window_s: the window of the escalation rule.
        fault_rate: share of API requests that fail with one of ``fault_kinds``.
        fault_kinds: what an injected fault is, drawn at random among: ``5xx`` (a
            500/502/503/504 HTML page), ``timeout`` (the answer comes ``fault_delay_s`` late,
            past the client's timeout), ``reset`` (the connection is dropped without an
            answer) and ``429`` (the rate-limit HTML page, no ``Retry-After``).
        fault_delay_s: how late a ``timeout`` fault answers.
        fault_seed: seed of the fault generator (faults are reproducible for a request order).
        slow_page_s: extra seconds before answering a list request with ``limit=250``
            (large pages with expansions are slow on real accounts).
        payment_required: answer 402 to every API request (trial or paid period ended).
        mutate_during_pagination: before serving page 2 or later of leads or contacts, that
            many random records get ``updated_at`` set to the emulated now, as if colleagues
            were editing them: rows move across pages under ``order[updated_at]`` and a naive
            client skips or repeats some. 0 (default): the data only changes on ``advance()``.
        mutate_every_request: mutate before every list request of leads or contacts after the
            first one, not only before page 2 or later (catches clients that restart their
            scan with a moving filter instead of paging).
        client_id, client_secret, redirect_uri: the OAuth integration known to
            ``POST /oauth2/access_token``.
        access_token_ttl: lifetime in seconds of OAuth access tokens (amoCRM: 86400).
        user_tokens: extra long-lived tokens as ``(token, user_id)`` pairs: each acts as that
            user, so a token of a non-admin user gets 403 on ``/users``. The main (static)
            token and OAuth tokens act as the account's admin.
        account_currency: ``GET /account`` carries ``currency``/``currency_symbol``. Off by
            default: the official ``/account`` example (amocrm.ru/developers, copied verbatim in
            oGi4i/amocrm-client ``client/account_test.go``) has no ``currency``; only Kommo's
            HTTP-codes page example shows one.
        owner_as_note_responsible: call notes carry the caller in ``created_by`` and the
            lead's owner in ``responsible_user_id`` (they differ when a colleague covers). The
            docs list both fields (SDK ``NoteModel``); that a note takes its lead's responsible
            user is a guess from real accounts (issue 10), not documented.
        robot_notes: every 20th lead gets a ``common`` note from a robot (Salesbot):
            ``created_by`` 0 (0 = robot or integration, as in events) and
            ``responsible_user_id`` the account id. Guess: seen on real accounts, not in docs.
        comma_note_types: what ``filter[note_type]=call_in,call_out`` (comma-joined, not the
            documented array ``filter[note_type][]=call_in&filter[note_type][]=call_out``)
            does: ``literal`` one type named "call_in,call_out" (nothing matches: 204),
            ``reject`` a 400, ``split`` the same as the array. Undocumented: a guess.
        status_overrides: ``(route, status)`` pairs: a GET of that route (relative to
            ``/api/v4/``, e.g. ``leads/tags``) answers that status with a problem+json body
            instead (fault injection: a 404 on an endpoint the account lacks, a 400 the API
            refuses).
    """

    default_limit: int = 50
    max_limit: int = 250
    events_max_limit: int = 250
    over_limit: Literal["clamp", "error", "default"] = "clamp"
    events_default_order: Literal["asc", "desc"] = "desc"
    filters_enabled: bool = True
    not_found_status: int = 204
    links_host: str | None = None
    storage_path: str | None = None
    requests_per_second: float | None = None
    burst: int = 7
    block_after_429: int | None = None
    block_window_s: float = 60.0
    fault_rate: float = 0.0
    fault_kinds: tuple[str, ...] = ("5xx",)
    fault_delay_s: float = 2.0
    fault_seed: int = 0
    slow_page_s: float = 0.0
    payment_required: bool = False
    mutate_during_pagination: int = 0
    mutate_every_request: bool = False
    client_id: str = "demo-client-id"
    client_secret: str = "demo-client-secret"
    redirect_uri: str = "https://example.test/oauth/callback"
    access_token_ttl: int = 86400
    user_tokens: tuple[tuple[str, int], ...] = ()
    account_currency: bool = False
    owner_as_note_responsible: bool = True
    robot_notes: bool = True
    comma_note_types: Literal["literal", "reject", "split"] = "literal"
    status_overrides: tuple[tuple[str, int], ...] = ()
