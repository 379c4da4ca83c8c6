"""dlt source for Bitrix24 REST: CRM entities, activities, stage history, tasks, calls,
dictionaries and hard-delete reconciliation, merged on ``(portal, ID)`` into ``raw_bitrix24``.

Configuration follows dlt conventions (``.dlt/config.toml``, ``.dlt/secrets.toml`` or
environment variables ``SOURCES__BITRIX24__...``):

- ``PORTAL``: the portal's domain (``acme.bitrix24.ru``); rows carry it, and the account key
  is ``bitrix24:<portal>``.
- Webhook auth: ``WEBHOOK_URL`` (secret), ``https://<portal>/rest/<user>/<code>/``.
- OAuth instead: ``CLIENT_ID``, ``CLIENT_SECRET`` (secret) and ``TOKEN_FILE`` (a JSON token
  pair written by ``crm_kpi.sources.common.token_store``; refreshed on ``expired_token`` and rotated
  atomically), optionally ``BASE_URL`` (default ``https://<portal>``) and ``OAUTH_SERVER``.
- Several portals: ``PORTALS=main,eu`` names them; each has the settings above one level down,
  ``SOURCES__BITRIX24__MAIN__PORTAL``, ... (see ``helpers/portals.py``).
- Optional: ``REQUESTS_PER_SECOND`` (2), ``BURST`` (40), ``TIMEOUT_S`` (60),
  ``RECONCILE_DELETIONS`` (true), ``TIMEZONE`` (the portal's IANA zone, e.g.
  ``Asia/Novosibirsk``; without it the models take the zone matching the UTC offset the API's
  timestamps carry, which ``raw_bitrix24.portal_settings`` records on every load), ``PROXY``
  (``env``, ``none`` or a URL; see ``crm_kpi.sources.common.proxies``).
"""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dlt
from dlt.sources import DltResource

from crm_kpi.sources.common.accounts import DEFAULT_ACCOUNT

from .helpers.errors import Bitrix24Error
from .helpers.portals import PortalSettings, configured_portals
from .resources import (
    Portal,
    comments,
    deletions,
    dictionaries,
    keyset_resource,
    portal_settings,
    utc_offset_of,
)
from .settings import DEFAULT_OAUTH_SERVER, KEYSET_METHODS

__all__ = ["Bitrix24Error", "bitrix24_source", "utc_offset_of"]


def _checked_zone(timezone: str | None, settings: PortalSettings) -> str | None:
    if not timezone:
        return None
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{settings.env('TIMEZONE')}={timezone!r} is not an IANA time zone "
            "(e.g. Europe/Moscow, Asia/Novosibirsk)"
        ) from None
    return timezone


@dlt.source(name="bitrix24", max_table_nesting=0)
def bitrix24_source(
    portal: str | None = dlt.config.value,
    webhook_url: str | None = dlt.secrets.value,
    client_id: str | None = None,
    client_secret: str | None = dlt.secrets.value,
    token_file: str | None = None,
    base_url: str | None = None,
    oauth_server: str = DEFAULT_OAUTH_SERVER,
    requests_per_second: float = 2.0,
    burst: int = 40,
    timeout_s: float = 60.0,
    reconcile_deletions: bool = True,
    timezone: str | None = None,
    portals: str | None = None,
    arrow: bool = True,
    proxy: str | None = None,
) -> Sequence[DltResource]:
    """Every Bitrix24 entity the KPI marts need, as dlt resources (no HTTP until they run).

    Args:
        portal: the portal's domain, e.g. ``acme.bitrix24.ru`` (the tenant of every row).
        webhook_url: an incoming webhook, ``https://<portal>/rest/<user>/<code>/``.
        client_id, client_secret, token_file: OAuth app credentials and the token-pair file
            (used when there is no webhook).
        base_url: where the portal's REST lives for OAuth (default ``https://<portal>``).
        oauth_server: the OAuth server (``https://oauth.bitrix.info``).
        requests_per_second, burst: the client-side leaky bucket (portal: 2/s, 50).
        timeout_s: per-request timeout (Bitrix24 cuts requests at 60 s).
        reconcile_deletions: scan ids to flag hard-deleted deals, leads, contacts, companies.
        timezone: the portal's IANA zone (``SOURCES__BITRIX24__TIMEZONE``); loaded into
            ``portal_settings`` with the UTC offset the API's timestamps carry.
        portals: comma-separated portal names, each configured under
            ``sources.bitrix24.<name>`` (several portals into one warehouse); the arguments
            above are then their defaults for the throttle and the timeout.
        arrow: yield the entity lists as Arrow tables (dlt's Arrow path, no row-by-row
            normalizer); ``False`` (``SOURCES__BITRIX24__ARROW=false``) gives them to dlt as
            rows, as before (same tables, several times the CPU).
        proxy: ``env`` (default: the environment's ``HTTP(S)_PROXY``/``NO_PROXY``, looked up
            by ``requests`` on every request), ``none`` (no proxy, the environment not
            consulted), or a proxy URL (``SOURCES__BITRIX24__PROXY``; see ``common.proxies``).
    """
    defaults = PortalSettings(
        name=DEFAULT_ACCOUNT,
        portal=portal,
        webhook_url=webhook_url,
        client_id=client_id,
        client_secret=client_secret,
        token_file=token_file,
        base_url=base_url,
        oauth_server=oauth_server,
        requests_per_second=requests_per_second,
        burst=burst,
        timeout_s=timeout_s,
        timezone=timezone,
        proxy=proxy,
    )
    portals_ = [
        Portal(settings, _checked_zone(settings.timezone, settings))
        for settings in configured_portals(portals, defaults)
    ]
    resources = [keyset_resource(portals_, spec, arrow) for spec in KEYSET_METHODS]
    resources.append(comments(portals_, arrow))
    resources += dictionaries(portals_)
    resources.append(portal_settings(portals_))
    if reconcile_deletions:
        resources.append(deletions(portals_))
    return resources
