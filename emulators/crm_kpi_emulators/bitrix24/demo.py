"""The Bitrix24 emulator as the demo runs it (see ``crm_kpi_emulators.registry``)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from ..registry import Emulator, ServedAccount
from ..synthetic import CompanyConfig
from .benchmark import CLIENT_LIMIT, UNTHROTTLED, benchmarked
from .server import Bitrix24Emulator, serve


@contextlib.contextmanager
def _running(config: CompanyConfig, token: str) -> Iterator[ServedAccount]:
    # No request limit or operating-time budget, and the client's throttle raised (as the
    # benchmark runs it): waiting out a portal's 2 requests per second shows nothing against a
    # local server. `crm-kpi emulate` and the ingestion tests keep the portal's limits.
    with Bitrix24Emulator(config, host="127.0.0.1", port=0, options=UNTHROTTLED) as emulator:
        yield ServedAccount(
            description=f"emulated Bitrix24 portal '{emulator.portal}' serving at "
            f"{emulator.base_url}",
            settings={
                "SOURCES__BITRIX24__PORTAL": emulator.portal,
                "SOURCES__BITRIX24__WEBHOOK_URL": emulator.webhook_url,
                "SOURCES__BITRIX24__REQUESTS_PER_SECOND": CLIENT_LIMIT,
                "SOURCES__BITRIX24__BURST": CLIENT_LIMIT,
                # A loopback server: no proxy, and no proxy lookup in the environment per request.
                "SOURCES__BITRIX24__PROXY": "none",
            },
            account_key=f"bitrix24:{emulator.portal}",
            # User ids differ from amoCRM's: the plan names every manager by e-mail.
            plan_by_email=True,
            requests=lambda: len(emulator.request_log),
        )


EMULATOR = Emulator(
    running=_running,
    benchmarked=benchmarked,
    serve=lambda config, host, port, token: serve(config, host=host, port=port),
)
