"""The amoCRM emulator as the demo runs it (see ``crm_kpi_emulators.registry``)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from ..registry import Emulator, ServedAccount
from ..synthetic import CompanyConfig
from .benchmark import CLIENT_REQUESTS_PER_SECOND, benchmarked
from .server import AmoCrmEmulator, serve


@contextlib.contextmanager
def _running(config: CompanyConfig, token: str) -> Iterator[ServedAccount]:
    with AmoCrmEmulator(config, token=token, host="127.0.0.1", port=0) as emulator:
        yield ServedAccount(
            description=f"emulated amoCRM account '{emulator.subdomain}' serving at "
            f"{emulator.base_url}",
            settings={
                "SOURCES__AMOCRM__SUBDOMAIN": emulator.subdomain,
                "SOURCES__AMOCRM__BASE_URL": emulator.base_url,
                "SOURCES__AMOCRM__ACCESS_TOKEN": token,
                # The demo's emulator has no rate limit (its default), and the client's throttle
                # is raised as the benchmark raises it: waiting out the 7/s meant for real
                # accounts shows nothing against a local server. The ingestion tests keep it.
                "SOURCES__AMOCRM__REQUESTS_PER_SECOND": os.environ.get(
                    "SOURCES__AMOCRM__REQUESTS_PER_SECOND", CLIENT_REQUESTS_PER_SECOND
                ),
                # A loopback server: no proxy, and no proxy lookup in the environment per request.
                "SOURCES__AMOCRM__PROXY": "none",
            },
            account_key=f"amocrm:{emulator.account_id}",
            plan_by_email=False,
            requests=lambda: len(emulator.request_log),
        )


EMULATOR = Emulator(
    running=_running,
    benchmarked=benchmarked,
    serve=lambda config, host, port, token: serve(config, host=host, port=port, token=token),
)
