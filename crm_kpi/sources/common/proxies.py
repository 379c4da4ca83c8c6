"""How the CRM clients reach the API: through the environment's proxy, no proxy, or one URL.

A ``requests`` session that trusts the environment (the default) looks up ``HTTP(S)_PROXY``,
``NO_PROXY``, ``.netrc`` and the CA bundle variables again on every request: several walks over
``os.environ`` per request, a noticeable share of the client's CPU when the API answers fast.
The ``PROXY`` setting of each account (``SOURCES__AMOCRM__PROXY``, ``SOURCES__BITRIX24__PROXY``)
chooses:

- ``env`` (the default): the environment decides, per request, as ``requests`` does;
- ``none``: no proxy, the environment is not consulted (the local emulators use this);
- a URL (``http://proxy.local:3128``): every request through that proxy.

With ``none`` or a URL the session stops trusting the environment; the CA bundle named by
``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE`` (a TLS-inspecting proxy's) is read once instead.
"""

from __future__ import annotations

import os

import requests

FROM_ENVIRONMENT = "env"
NO_PROXY = "none"


def apply_proxy(session: requests.Session, proxy: str | None, setting: str = "PROXY") -> None:
    """Configure ``session`` for the ``proxy`` setting (``setting`` names it in errors)."""
    value = (proxy or FROM_ENVIRONMENT).strip()
    if value.lower() == FROM_ENVIRONMENT:
        return
    if value.lower() != NO_PROXY and "://" not in value:
        raise ValueError(
            f"{setting}={proxy!r}: use 'env' (the environment's HTTP(S)_PROXY), 'none', "
            "or a proxy URL such as http://proxy.local:3128"
        )
    session.trust_env = False
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle and session.verify is True:
        session.verify = bundle
    session.proxies.clear()
    if value.lower() != NO_PROXY:
        session.proxies.update({"http": value, "https": value})
