"""The parts of a CRM plug-in that every CRM declares the same way (``<crm>/plugin.py``).

Everything is imported lazily: the registry must load in a second, without the sources.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from crm_kpi.sources.registry import CrmAccount

from . import accounts as common


def _attribute(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def lazy(path: str) -> Callable[..., Any]:
    """``"module:function"`` as a function that imports it on first call."""
    return lambda *args, **kwargs: _attribute(path)(*args, **kwargs)


def account_source(factory: str, names_argument: str) -> Callable[..., Any]:
    """``source(account=None, **overrides)`` over the dlt source ``factory``
    (``"module:function"``): a named account is passed as ``names_argument``."""

    def source(account: CrmAccount | None = None, **overrides: Any) -> Any:
        if account is not None and account.name != common.DEFAULT_ACCOUNT:
            overrides.setdefault(names_argument, account.name)
        return _attribute(factory)(**overrides)

    return source


def configured_accounts(
    crm: str,
    list_key: str,
    missing_settings: Callable[[], list[str]],
    label: Callable[[str], str],
    error: type[Exception] = ValueError,
) -> Callable[[], list[CrmAccount]]:
    """``accounts()``: every account named by ``sources.<crm>.<list_key>`` (or the unnamed
    one), none while settings are missing; ``label(name)`` says what each is called."""

    def accounts() -> list[CrmAccount]:
        if missing_settings():
            return []
        return [
            CrmAccount(crm=crm, name=name, label=label(name))
            for name in common.account_names(crm, list_key, error)
        ]

    return accounts


def raw_suites(module: str) -> Callable[[], list[Any]]:
    """``raw_suites()``: the ``SUITES`` of a module (each CRM's ``raw_quality``)."""
    return lambda: list(importlib.import_module(module).SUITES)
