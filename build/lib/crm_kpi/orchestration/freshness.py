"""Freshness policies on the raw tables and the marts: stale data shows in the UI.

The nightly run refreshes both; ``CRM_KPI_FRESHNESS_HOURS`` (default 26: one night plus a
slow run) after the last materialization the asset turns FAIL, a few hours earlier WARN.
Freshness is evaluated by the Dagster daemon (``freshness: enabled`` in ``dagster.yaml``).
"""

from __future__ import annotations

import datetime as dt

from dagster import AssetSpec, Definitions, FreshnessPolicy

from crm_kpi.config import RAW_SCHEMAS, get_orchestration_settings

WARN_BEFORE_FAIL = dt.timedelta(hours=2)
FRESHNESS_SCHEMAS = frozenset({*RAW_SCHEMAS.values(), "marts"})


def freshness_policy() -> FreshnessPolicy:
    """The policy every raw table and mart gets."""
    fail = dt.timedelta(hours=get_orchestration_settings().freshness_hours)
    return FreshnessPolicy.time_window(fail_window=fail, warn_window=fail - WARN_BEFORE_FAIL)


def needs_freshness(spec: AssetSpec) -> bool:
    """Raw tables (written by dlt) and marts (read by BI) are the ones people wait for."""
    return len(spec.key.path) == 2 and spec.key.path[0] in FRESHNESS_SCHEMAS


def with_freshness(defs: Definitions) -> Definitions:
    """``defs`` with the freshness policy on every raw table and mart (others unchanged)."""
    policy = freshness_policy()

    def apply(spec: AssetSpec) -> AssetSpec:
        return spec.replace_attributes(freshness_policy=policy) if needs_freshness(spec) else spec

    return defs.map_asset_specs(func=apply)
