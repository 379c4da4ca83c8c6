"""Knobs of the Bitrix24 emulator: limits, unconfirmed behaviours and fault injection."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bitrix24Options:
    """How the emulated portal behaves. The defaults are a cloud portal on a standard plan.

    Attributes:
        drain_per_second: leaky bucket drain (Y); 2 on standard plans, 5 on Enterprise.
        burst: leaky bucket size (X); above it requests get 503 ``QUERY_LIMIT_EXCEEDED``.
            ``None`` disables the request limit.
        operating_limit_s: operating-time budget per method and credential over the
            sliding 10-minute window (cloud: 480 s); past it 429 ``OPERATION_TIME_LIMIT``.
        operating_cost_per_row: synthetic execution time of one returned record, and of one
            counted record when a page counts ``total`` (without ``start=-1``), in seconds.
        operating_cost_of_total: fixed extra cost of counting ``total``.
        shuffle_without_order: without an ``order`` list methods answer in a different
            order on every request (the real paging skips and repeats rows).
        stagehistory_typed: ``crm.stagehistory.list`` values as ints (docs) or strings (2022).
        fault_rate: share of API requests answered with an injected fault instead.
        fault_kinds: which faults to inject, chosen uniformly: ``query_limit`` (503),
            ``operation_time`` (429), ``server_error`` (500 JSON), ``html`` (502 HTML page),
            ``timeout`` (the answer comes after ``timeout_delay_s``).
        fault_seed: seed of the fault generator.
        timeout_delay_s: delay of a ``timeout`` fault.
        overload: answer every request with 503 ``OVERLOAD_LIMIT`` (a manual block).
        access_denied: answer 403 ``ACCESS_DENIED`` (REST only on commercial plans).
        webhook_user_id, webhook_code: the incoming webhook (``/rest/{user}/{code}/``).
        client_id, client_secret: the OAuth application.
        access_token_ttl: OAuth access-token lifetime in seconds (Bitrix24: 3600).
        timezone: IANA zone of the portal's timestamps (``Asia/Novosibirsk`` serves
            ``+07:00``); ``None``: the synthetic company's zone. The docs: "at the API level all
            dates and times are stored according to the server parameters" (crm data-types),
            and their examples carry +02:00, +03:00 and +00:00.
        blank_strings: every 11th deal (and its lead) sends ``SOURCE_ID: ""``,
            ``SOURCE_DESCRIPTION: ""`` and ``COMMENTS: ""``: classic lists send empty values as
            ``null`` or ``""`` (docs' examples: ``"DESCRIPTION": ""``, ``"UF_CRM_...": ""``).
        unmatched_calls: every 29th call has a telephony record but no CRM call activity (a
            call the CRM could not bind), and every 29th answered call offset by 14 has a CRM
            call activity but no telephony record (logged by hand). The docs link the two only
            through ``CRM_ACTIVITY_ID``, which may be empty; the shares are a guess.
        status_overrides: ``(method, status)`` pairs: that method answers an error with that
            status instead (inside ``batch`` the error lands in ``result_error``). The error
            code per status is a guess at a typical one (400 ``INVALID_ARG_VALUE``, 403
            ``insufficient_scope``, 404 ``ERROR_METHOD_NOT_FOUND``).
    """

    drain_per_second: float = 2.0
    burst: int | None = 50
    operating_limit_s: float = 480.0
    operating_cost_per_row: float = 0.001
    operating_cost_of_total: float = 0.05
    shuffle_without_order: bool = True
    stagehistory_typed: bool = True
    fault_rate: float = 0.0
    fault_kinds: tuple[str, ...] = (
        "query_limit",
        "operation_time",
        "server_error",
        "html",
        "timeout",
    )
    fault_seed: int = 0
    timeout_delay_s: float = 2.0
    overload: bool = False
    access_denied: bool = False
    webhook_user_id: str = "1"
    webhook_code: str = "demo-webhook-code"
    client_id: str = "local.demo-app"
    client_secret: str = "demo-client-secret"
    access_token_ttl: int = 3600
    timezone: str | None = None
    blank_strings: bool = True
    unmatched_calls: bool = True
    status_overrides: tuple[tuple[str, int], ...] = ()
