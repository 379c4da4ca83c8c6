"""One amoCRM account being loaded: its client (auth, throttle, retries) and what it says
about itself (the account object, pipelines, custom field definitions)."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from crm_kpi.config import get_settings
from crm_kpi.sources.common.token_store import TokenStore

from .helpers.accounts import AccountSettings
from .helpers.auth import AmoOAuth2Auth, TokenEndpoint
from .helpers.client import AmoRestClient, RetryPolicy
from .helpers.custom_fields import enum_labels
from .helpers.throttle import RequestThrottle
from .settings import (
    CUSTOM_FIELD_ENTITIES,
    DEFAULT_REQUESTS_PER_SECOND,
    PIPELINES,
)

Row = dict[str, Any]

ACCOUNT_WITH = "datetime_settings,users_groups,task_types,is_api_filter_enabled"


def resolve_base_url(subdomain: str, base_url: str | None) -> str:
    """The account's address: an explicit base URL wins, else the amocrm.ru default."""
    return AccountSettings(name="default", subdomain=subdomain, base_url=base_url).url


class AccountConnection:
    """One account: its client (auth, throttle, retries), its account object and dictionaries.

    Nothing is requested until a resource needs it.
    """

    def __init__(self, settings: AccountSettings, retry: RetryPolicy) -> None:
        self.settings = settings
        self.retry = retry
        self.throttle = RequestThrottle(settings.requests_per_second or DEFAULT_REQUESTS_PER_SECOND)

    @cached_property
    def client(self) -> AmoRestClient:
        """The REST client, authenticated with the long-lived token or OAuth."""
        settings = self.settings
        settings.validate()
        oauth = settings.oauth
        if oauth is None or settings.access_token:
            return AmoRestClient(
                settings.url,
                str(settings.access_token),
                0,
                self.retry,
                self.throttle,
                proxy=settings.proxy,
            )
        client = AmoRestClient(
            settings.url, "pending", 0, self.retry, self.throttle, proxy=settings.proxy
        )
        store = TokenStore(settings.tokens_file(get_settings().data_dir))
        auth = AmoOAuth2Auth(store, TokenEndpoint(settings.url, oauth, client.plain_session()))
        auth.bootstrap(settings.authorization_code)
        client.auth = auth
        return client

    @cached_property
    def payload(self) -> Row:
        """``GET /api/v4/account`` with the parts the models read."""
        return self.client.get_object("account", params={"with": ACCOUNT_WITH})

    @property
    def id(self) -> int:
        """The account id, which tags every row."""
        return int(self.payload["id"])

    @property
    def key(self) -> str:
        """``amocrm:<account id>``: the tenant key of the catalogue, and of cursor state."""
        return f"amocrm:{self.id}"

    @property
    def filters_enabled(self) -> bool:
        """What the account says about API filters (absent: assume on, then verify)."""
        return self.payload.get("is_api_filter_enabled") is not False

    @cached_property
    def pipelines(self) -> list[Row]:
        """The pipelines with their statuses (one request serves two tables)."""
        rows: list[Row] = []
        name = f"pipelines [{self.key}]"
        for page in self.client.iter_pages(PIPELINES.path, PIPELINES.data_key, {}, name):
            rows.extend(page)
        return rows

    @cached_property
    def _custom_fields(self) -> dict[str, list[Row]]:
        result = {}
        for entity in CUSTOM_FIELD_ENTITIES:
            rows: list[Row] = []
            for page in self.client.iter_pages(
                f"{entity}/custom_fields", "custom_fields", {"limit": 50}, f"{entity} custom fields"
            ):
                rows.extend(page)
            result[entity] = rows
        return result

    def custom_fields(self, entity: str) -> list[Row]:
        """The custom field definitions of ``leads``, ``contacts`` or ``companies``."""
        return self._custom_fields[entity]

    @cached_property
    def labels(self) -> dict[str, dict[tuple[int, int], str]]:
        """Enum labels per entity: ``(field_id, enum_id) -> label``."""
        return {entity: enum_labels(self.custom_fields(entity)) for entity in CUSTOM_FIELD_ENTITIES}
