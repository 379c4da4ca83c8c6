"""Errors of the Bitrix24 source, keyed on the ``error`` code of the body (not the status)."""

from __future__ import annotations

from typing import Any

from requests import Response

from crm_kpi.sources.common.errors import PermanentApiError

# Retried with back-off by the session: the limit and transient server errors.
RETRIABLE_CODES = {"QUERY_LIMIT_EXCEEDED", "INTERNAL_SERVER_ERROR", "ERROR_UNEXPECTED_ANSWER"}
# Never retried: a manual block, a deleted portal, bad credentials.
FATAL_HINTS = {
    "OVERLOAD_LIMIT": "the portal's REST API is blocked by Bitrix24 support (manual block); "
    "ask support to lift it",
    "NO_AUTH_FOUND": "the webhook URL is wrong or expired; check SOURCES__BITRIX24__WEBHOOK_URL",
    "insufficient_scope": "the webhook or app lacks a scope (crm, user, department, task, "
    "telephony)",
    "ACCESS_DENIED": "REST is unavailable on this plan or for this user",
    "PORTAL_DELETED": "the portal was deleted",
}


class Bitrix24Error(RuntimeError):
    """A Bitrix24 call failed; the message names the method, the code and what to do."""

    def __init__(self, method: str, code: Any, description: str, status: int | None = None):
        hint = FATAL_HINTS.get(str(code), "")
        where = f"HTTP {status} " if status else ""
        text = f"Bitrix24 {method}: {where}{code or 'error'}: {description}"
        super().__init__(f"{text}. {hint}".rstrip(". ") if hint else text)
        self.method, self.code, self.status = method, code, status


# Waiting heals these (bounded retries or waits): the request limit, the operating-time limit
# and server errors. Every other error a method answers is deterministic (an
# ``expired_token`` that reaches the caller survived the transport's token refresh).
HEALING_CODES = RETRIABLE_CODES | {"OPERATION_TIME_LIMIT"}


class Bitrix24PermanentError(PermanentApiError, Bitrix24Error):
    """A Bitrix24 error that waiting cannot heal (a 4xx but 429, a manual block, a method's
    refusal inside ``batch``): the orchestration layer does not retry it."""

    def __init__(self, method: str, code: Any, description: str, status: int | None = None):
        hint = FATAL_HINTS.get(str(code)) or (
            "the portal refused the request; retrying will not change that. Check the webhook's "
            "scopes and the method's mandatory parameters in the Bitrix24 REST docs"
        )
        detail = f"{code or 'error'}: {description}".strip(": ")
        PermanentApiError.__init__(self, "Bitrix24", method, status, hint, detail)
        self.method, self.code = method, code


def is_permanent(code: Any, status: int | None) -> bool:
    """Whether an error answer is deterministic (see ``Bitrix24PermanentError``)."""
    if str(code) in FATAL_HINTS:
        return True
    if str(code) in HEALING_CODES or code == "NOT_JSON":
        return False
    if status is None:  # an error inside a batch answer, e.g. a refused filter
        return True
    return 400 <= status < 500 and status != 429


def api_error(method: str, code: Any, description: str, status: int | None) -> Bitrix24Error:
    """The error to raise for an error answer: permanent or not (see ``is_permanent``)."""
    if is_permanent(code, status):
        return Bitrix24PermanentError(method, code, description, status)
    return Bitrix24Error(method, code, description, status)


def error_code(response: Response) -> str | None:
    """The ``error`` field of a JSON error body; ``"html"`` for an HTML page; else ``None``."""
    content_type = response.headers.get("Content-Type", "")
    if "html" in content_type or response.text.lstrip().startswith("<"):
        return "html"
    try:
        body = response.json()
    except ValueError:
        return "not_json"
    if isinstance(body, dict) and body.get("error") not in (None, ""):
        return str(body["error"])
    return None


def should_retry(response: Response | None, exception: BaseException | None) -> bool:
    """dlt retry predicate: limits, 5xx and HTML pages yes; manual blocks and 4xx no."""
    if exception is not None:
        return False  # connection errors and timeouts are retried by exception type
    if response is None:
        return False
    code = error_code(response)
    if code in FATAL_HINTS:
        return False
    if code in RETRIABLE_CODES or code in ("html", "not_json") and response.status_code >= 500:
        return True
    return response.status_code >= 500 and code != "OVERLOAD_LIMIT"
