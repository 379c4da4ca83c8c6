"""Named accounts from dlt's config providers, the same way for every CRM.

One account: the plain settings ``SOURCES__<CRM>__<KEY>`` (``[sources.<crm>]`` in TOML).
Several: a list setting names them (``SOURCES__AMOCRM__ACCOUNTS=main,eu``,
``SOURCES__BITRIX24__PORTALS=a,b``) and each name has the same settings one level down,
``SOURCES__<CRM>__<NAME>__<KEY>`` (``[sources.<crm>.<name>]``). The unnamed account is called
``default``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import dlt

DEFAULT_ACCOUNT = "default"


def setting(key: str, secret: bool = False) -> Any:
    """The dlt setting ``key`` (``sources.amocrm.subdomain``); ``None`` when unset or empty."""
    provider = dlt.secrets if secret else dlt.config
    try:
        value = provider.get(key)
    except Exception:  # noqa: BLE001 - a provider that cannot answer means "not set"
        return None
    return None if value in (None, "") else value


def section(crm: str, account: str = DEFAULT_ACCOUNT) -> str:
    """The dlt config section of one account: ``sources.<crm>`` or ``sources.<crm>.<name>``."""
    return f"sources.{crm}" if account == DEFAULT_ACCOUNT else f"sources.{crm}.{account}"


def env_name(crm: str, account: str, key: str) -> str:
    """The environment variable that sets ``key`` of one account (as users are told to set it)."""
    middle = "" if account == DEFAULT_ACCOUNT else f"{account.upper()}__"
    return f"SOURCES__{crm.upper()}__{middle}{key.upper()}"


def parse_names(
    crm: str, list_key: str, names: str | Iterable[str] | None, error: type[Exception] = ValueError
) -> list[str]:
    """``"main, eu"`` or ``["main", "eu"]`` -> ``["main", "eu"]``, checked (``error`` if bad)."""
    if names is None:
        return []
    parts = names.split(",") if isinstance(names, str) else list(names)
    result = [str(part).strip() for part in parts if part and str(part).strip()]
    where = env_name(crm, DEFAULT_ACCOUNT, list_key)
    for name in result:
        if not name.replace("_", "").isalnum():
            raise error(
                f"{crm} account name {name!r} ({where}) must be letters, digits or underscores"
            )
    if len(set(result)) != len(result):
        raise error(f"{where} names an account twice: {result}")
    return result


def account_names(crm: str, list_key: str, error: type[Exception] = ValueError) -> list[str]:
    """The configured names of ``crm``'s accounts, ``[DEFAULT_ACCOUNT]`` when none are named."""
    return parse_names(crm, list_key, setting(f"sources.{crm}.{list_key}"), error) or [
        DEFAULT_ACCOUNT
    ]


def account_values(
    crm: str, account: str, fields: Iterable[str], secret_fields: Iterable[str] = ()
) -> dict[str, Any]:
    """The settings ``fields`` of one account that are set (secrets from ``dlt.secrets``)."""
    secrets = frozenset(secret_fields)
    prefix = section(crm, account)
    values = {name: setting(f"{prefix}.{name}", name in secrets) for name in fields}
    return {name: value for name, value in values.items() if value is not None}


def missing(crm: str, account: str, required: Iterable[tuple[Iterable[str], str]]) -> list[str]:
    """What one account still needs: for each ``(alternatives, text)`` in ``required`` where
    none of the alternatives is set, ``text`` with ``{KEY}`` placeholders named for the account.

    An alternative is a key, or ``key+other`` for settings needed together; a key ending in
    ``!`` is read from the secrets.
    """
    prefix = section(crm, account)

    def is_set(alternative: str) -> bool:
        return all(
            setting(f"{prefix}.{key.rstrip('!')}", key.endswith("!"))
            for key in alternative.split("+")
        )

    result = []
    for alternatives, text in required:
        if not any(is_set(alternative) for alternative in alternatives):
            result.append(_named(text, crm, account))
    return result


def _named(text: str, crm: str, account: str) -> str:
    """``text`` with every ``{KEY}`` replaced by the account's environment variable for it."""
    return re.sub(r"\{([A-Z_]+)\}", lambda m: env_name(crm, account, m.group(1)), text)
