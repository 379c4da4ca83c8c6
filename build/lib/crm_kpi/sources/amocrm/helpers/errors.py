"""Errors the amoCRM source raises, each saying what happened and what to do."""

from __future__ import annotations

from requests import Response

from crm_kpi.sources.common.errors import PermanentApiError

_SNIPPET = 200


class AmoCrmError(RuntimeError):
    """Base class of every error of the amoCRM source."""


class AmoCrmApiError(AmoCrmError):
    """The API answered with something the source cannot use."""

    def __init__(self, endpoint: str, status: int, message: str) -> None:
        self.endpoint = endpoint
        self.status = status
        super().__init__(f"amoCRM {endpoint}: HTTP {status}: {message}")


class AmoCrmPermanentError(PermanentApiError, AmoCrmApiError):
    """A client error that waiting cannot heal (4xx but 429, 401 after a refresh, 402, 403)."""

    def __init__(self, endpoint: str, status: int, message: str, method: str = "GET") -> None:
        PermanentApiError.__init__(self, "amoCRM", f"{method} {endpoint}", status, message)
        self.path = endpoint


class AmoCrmBlockedError(AmoCrmPermanentError):
    """The account or IP is blocked (403 HTML page): never retried."""


class AmoCrmAuthError(AmoCrmError):
    """No usable credentials: missing tokens, or a refused authorization or refresh."""


class AmoCrmConfigError(AmoCrmError):
    """The source's settings are incomplete or contradictory."""


def _is_html(response: Response) -> bool:
    content_type = response.headers.get("Content-Type", "")
    return "html" in content_type or response.text.lstrip()[:1] == "<"


def _snippet(response: Response) -> str:
    text = " ".join(response.text.split())
    return text[:_SNIPPET] + ("…" if len(text) > _SNIPPET else "")


def error_for_response(endpoint: str, response: Response) -> AmoCrmApiError:
    """Build the error for a response that is not a usable 200, with advice for the user.

    A 4xx other than 429 (a 401 only reaches here after one refresh) is an
    ``AmoCrmPermanentError``: the orchestration layer does not retry it.
    """
    status = response.status_code
    method = response.request.method if response.request is not None else "GET"
    if status == 401:
        message = (
            "the access token was refused (invalid or expired). For a long-lived token, issue a "
            "new one in the integration's 'Keys and scopes' tab and set "
            "SOURCES__AMOCRM__ACCESS_TOKEN; with OAuth, a refreshed token was refused too: "
            "authorize the integration again (SOURCES__AMOCRM__AUTHORIZATION_CODE)."
        )
    elif status == 402:
        message = "the account's paid or trial period has ended; renew it in amoCRM."
    elif status == 403 and _is_html(response):
        return AmoCrmBlockedError(
            endpoint,
            status,
            "amoCRM has blocked API access for this account or IP (403 HTML page), usually "
            "after repeated rate-limit violations. The source stopped at once and will not "
            "retry (retrying extends the block). Ask amoCRM support to lift it, then lower "
            "SOURCES__AMOCRM__REQUESTS_PER_SECOND before the next run.",
            str(method),
        )
    elif status == 403:
        message = (
            "access denied. /users needs an administrator's token; check the token's user "
            f"rights. Body: {_snippet(response)}"
        )
    elif status == 429:
        message = (
            "rate limit exceeded (429) and retries are exhausted. Lower "
            "SOURCES__AMOCRM__REQUESTS_PER_SECOND."
        )
    elif status == 404:
        message = (
            "the endpoint does not exist for this account (404): check "
            f"SOURCES__AMOCRM__BASE_URL and the account's plan. Body: {_snippet(response)}"
        )
    elif status >= 500:
        message = f"server error after retries. Body: {_snippet(response)}"
    elif 400 <= status < 500:
        message = (
            "the request was refused; retrying will not change that. Report it with the "
            f"body: {_snippet(response)}"
        )
    else:
        message = f"unexpected answer. Body: {_snippet(response)}"
    if 400 <= status < 500 and status != 429:
        return AmoCrmPermanentError(endpoint, status, message, str(method))
    return AmoCrmApiError(endpoint, status, message)


def non_json_error(endpoint: str, response: Response) -> AmoCrmApiError:
    """The body of a 200 answer could not be read as JSON."""
    content_type = response.headers.get("Content-Type", "none")
    return AmoCrmApiError(
        endpoint,
        response.status_code,
        f"expected a JSON body but got Content-Type '{content_type}': {_snippet(response)}",
    )
