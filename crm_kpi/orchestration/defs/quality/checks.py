"""Great Expectations suites run as Dagster asset checks.

How a bad mart is kept from BI: every mart check is ``blocking`` with ERROR severity. When
its failures sit on some accounts' rows only, those accounts are withheld instead (recorded
in ``quality.withheld_accounts``; the check reports WARN, the publish leaves them out, and
``serving/account_gate`` fails the run naming them): one broken account does not stop the
others. Otherwise, when a mart check fails, its step fails, Dagster does not start the
assets downstream of that mart in the same run (the serving assets depend on every mart),
and the run fails, which triggers the run-failure alert (``crm_kpi.orchestration.sensors``).
Checks on raw and core tables, and the column contracts of the marts, report WARN and block
nothing.

The checks run in one step per group of assets (``build_checks``: the raw tables, the dbt
models, the win model's marts), each evaluating its checks in turn; a check that raises is
reported failed and the others in its step still run.

Checks run their expectations in the warehouse (GX's SQL datasource, read-only) and share the
``warehouse`` pool with the writers (dlt, dbt), so they never meet a writer holding the DuckDB
file. Each check renders its Data Docs pages; the index is built once per run
(``defs/quality/data_docs.py``, ``crm_kpi.runner``).
"""

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    MetadataValue,
    multi_asset_check,
)

from crm_kpi.config import Settings
from crm_kpi.orchestration.defs.dbt.dbt_models import crm_kpi_dbt, dbt_project
from crm_kpi.orchestration.defs.dlt.crm_ingestion import (
    WAREHOUSE_POOL,
    build_crm_raw_assets,
    raw_check_deps,
)
from crm_kpi.quality.suite import Suite
from crm_kpi.quality.suites import all_suites
from crm_kpi.quality.withheld import withhold
from crm_kpi.warehouse import Warehouse

if TYPE_CHECKING:  # imported when a check runs: GX comes with them (crm_kpi.quality.gx)
    from crm_kpi.quality.checking import CheckSession, SuiteOutcome
    from crm_kpi.quality.validation import FailedExpectation, ValidationOutcome

logger = logging.getLogger("crm_kpi.orchestration")
MAX_LISTED_FAILURES = 20


def asset_key_of(suite: Suite) -> AssetKey:
    """The asset a suite checks: ``[schema, table]``, as dlt and dbt assets are keyed."""
    return AssetKey(suite.table.split(".", 1))


def _failure_line(failure: "FailedExpectation") -> str:
    where = f" on `{failure.column}`" if failure.column else ""
    line = f"- `{failure.expectation}`{where}: {failure.failed_rows} rows"
    if failure.observed:
        line += f"; {failure.observed}"
    if failure.sample_rows:
        line += f"; e.g. `{failure.sample_rows}`"
    elif failure.sample:
        line += f"; e.g. `{failure.sample}`"
    return line


def _failures_markdown(failures: "list[FailedExpectation]") -> str:
    lines = [_failure_line(f) for f in failures[:MAX_LISTED_FAILURES]]
    if len(failures) > MAX_LISTED_FAILURES:
        lines.append(f"- ... and {len(failures) - MAX_LISTED_FAILURES} more")
    return "\n".join(lines) if lines else "none"


def suite_metadata(outcome: "SuiteOutcome") -> dict[str, MetadataValue]:
    """What the UI shows for a check: counts, failures with sample rows, Data Docs links."""
    metadata: dict[str, MetadataValue] = {
        "rows": MetadataValue.int(outcome.rows),
        "expectations": MetadataValue.int(outcome.evaluated),
        "failed_expectations": MetadataValue.int(len(outcome.failures)),
        "failed_rows": MetadataValue.int(outcome.failed_rows),
        "failures": MetadataValue.md(_failures_markdown(outcome.failures)),
    }
    if outcome.previous_rows is not None:
        metadata["previous_rows"] = MetadataValue.int(outcome.previous_rows)
    if outcome.checked_since_load is not None:
        metadata["checked_loads_after"] = MetadataValue.text(outcome.checked_since_load)
    if outcome.docs_page is not None:
        metadata["data_docs"] = MetadataValue.url(outcome.docs_page.as_uri())
    if outcome.docs_index is not None:
        metadata["data_docs_index"] = MetadataValue.path(str(outcome.docs_index))
    return metadata


def outcome_metadata(outcome: "ValidationOutcome") -> dict[str, MetadataValue]:
    """Metadata of a single validation (the column contract)."""
    return {
        "expectations": MetadataValue.int(outcome.evaluated),
        "failed_expectations": MetadataValue.int(len(outcome.failures)),
        "failed_rows": MetadataValue.int(sum(f.failed_rows for f in outcome.failures)),
        "failures": MetadataValue.md(_failures_markdown(outcome.failures)),
    }


@dataclass(frozen=True)
class _Check:
    """One check of a checks step: its spec and what evaluates it."""

    spec: AssetCheckSpec
    evaluate: Callable[[AssetCheckExecutionContext, "CheckSession"], AssetCheckResult]


def _gx(suite: Suite, key: AssetKey) -> _Check:
    """The check running ``suite``: blocking with ERROR on marts, WARN elsewhere."""
    severity = AssetCheckSeverity.ERROR if suite.blocking else AssetCheckSeverity.WARN
    spec = AssetCheckSpec(
        name=f"gx_{suite.name}",
        asset=key,
        description=f"Great Expectations suite on {suite.table}: {suite.description}"
        + (" (blocking)" if suite.blocking else " (warning)"),
        blocking=suite.blocking,
        additional_deps=raw_check_deps(key),
    )

    def evaluate(context: AssetCheckExecutionContext, session: "CheckSession") -> AssetCheckResult:
        outcome = session.check_suite(suite, run_name=context.run.run_id)
        if suite.blocking and _only_some_accounts_failed(outcome):
            return _withhold(context, spec, suite, outcome, session.warehouse)
        logger.info(
            "GX %s: %d rows%s, %d expectations, %s",
            suite.table,
            outcome.rows,
            ""
            if outcome.checked_since_load is None
            else f" (values checked in loads after {outcome.checked_since_load})",
            outcome.evaluated,
            "passed" if outcome.success else f"{len(outcome.failures)} FAILED",
        )
        return AssetCheckResult(
            asset_key=key,
            check_name=spec.name,
            passed=outcome.success,
            severity=severity,
            metadata=suite_metadata(outcome),
        )

    return _Check(spec, evaluate)


def _only_some_accounts_failed(outcome: "SuiteOutcome") -> bool:
    """The failures sit on some accounts' rows, and at least one other account passes."""
    failed = outcome.failed_accounts
    if outcome.success or not failed:
        return False
    return bool(set(outcome.rows_by_account) - set(failed))


def _withhold(
    context: AssetCheckExecutionContext,
    spec: AssetCheckSpec,
    suite: Suite,
    outcome: "SuiteOutcome",
    warehouse: Warehouse,
) -> AssetCheckResult:
    """Keep the broken accounts out of the publish, let the healthy ones through (issue 10).

    The check reports WARN (so it does not stop the run) and records the accounts; the
    snapshot leaves their rows out and ``serving/account_gate`` fails the run, naming them.
    """
    failed = outcome.failed_accounts or {}
    withhold(warehouse, context.run.run_id, suite.table, failed)
    for account, reason in failed.items():
        logger.error("GX %s: account %s is withheld from publishing: %s", suite.table, account,
                     reason)  # fmt: skip
    metadata = suite_metadata(outcome)
    metadata["withheld_accounts"] = MetadataValue.json(failed)
    return AssetCheckResult(
        asset_key=spec.asset_key,
        check_name=spec.name,
        passed=False,
        severity=AssetCheckSeverity.WARN,
        metadata=metadata,
    )


def _contract(suite: Suite, key: AssetKey) -> _Check:
    """A WARN check that the table has every column the KPI catalogue lists."""
    spec = AssetCheckSpec(
        name=f"columns_{suite.name}",
        asset=key,
        description=f"{suite.table} has every column of the KPI catalogue (warning)",
    )

    def evaluate(context: AssetCheckExecutionContext, session: "CheckSession") -> AssetCheckResult:
        outcome = session.check_contract(suite)
        return AssetCheckResult(
            asset_key=key,
            check_name=spec.name,
            passed=outcome.success,
            severity=AssetCheckSeverity.WARN,
            metadata=outcome_metadata(outcome),
        )

    return _Check(spec, evaluate)


def _crashed(check: _Check, error: Exception) -> AssetCheckResult:
    """A check that raised: failed (ERROR when it blocks), the others in its step go on."""
    logger.exception("check %s on %s raised", check.spec.name, check.spec.asset_key)
    blocking = check.spec.blocking
    return AssetCheckResult(
        asset_key=check.spec.asset_key,
        check_name=check.spec.name,
        passed=False,
        severity=AssetCheckSeverity.ERROR if blocking else AssetCheckSeverity.WARN,
        metadata={"error": MetadataValue.text(f"{type(error).__name__}: {error}")},
    )


def checks_step(name: str, checks: Sequence[_Check]) -> AssetChecksDefinition:
    """One step evaluating ``checks`` in turn (those selected for the run).

    A step per check cost each check Dagster's per-step overhead (events, and with a
    persistent instance the capture of its output), ~60 of them a run (issue #11). The
    checks share one ``CheckSession`` (the warehouse kept open, row counts recorded at the
    end). A blocking check that fails still fails the step after every check reported, which
    keeps the assets downstream of its table from starting.
    """

    @multi_asset_check(
        name=name,
        specs=[check.spec for check in checks],
        can_subset=True,
        pool=WAREHOUSE_POOL,
        description=f"Data quality checks ({len(checks)}), run one after another.",
    )
    def _checks(
        context: AssetCheckExecutionContext, warehouse: Warehouse, settings: Settings
    ) -> Iterator[AssetCheckResult]:
        from crm_kpi.quality.checking import check_session

        selected = context.selected_asset_check_keys
        with check_session(warehouse, settings.data_path) as session:
            for check in checks:
                if check.spec.key not in selected:
                    continue
                try:
                    yield check.evaluate(context, session)
                except Exception as error:  # one broken check never hides the others' results
                    yield _crashed(check, error)

    return _checks


def default_asset_groups() -> dict[AssetKey, str]:
    """The assets of this code location that suites may check, each with its checks step:
    the raw tables (after the accounts' merge), the dbt models, the marts the win model
    writes."""
    from crm_kpi.orchestration.defs.dlt.inputs_ingestion import inputs_raw
    from crm_kpi.orchestration.defs.forecasting.win_model import win_model

    return {
        **{key: "quality_raw" for raw in build_crm_raw_assets() for key in raw.keys},
        **dict.fromkeys(inputs_raw.keys, "quality_raw"),
        **dict.fromkeys(crm_kpi_dbt.keys, "quality_models"),
        **dict.fromkeys(win_model.keys, "quality_win_model"),
    }


def build_checks(
    asset_keys: Iterable[AssetKey] | Mapping[AssetKey, str] | None = None,
) -> list[AssetChecksDefinition]:
    """A check per suite whose asset exists, gathered into one step per group of assets.

    ``asset_keys``: the assets that exist, with the name of their checks step (all in one
    step, ``quality``, when given as a plain list); suites of assets not built yet are skipped.
    """
    if asset_keys is None:
        groups = default_asset_groups()
    elif isinstance(asset_keys, Mapping):
        groups = dict(asset_keys)
    else:
        groups = dict.fromkeys(asset_keys, "quality")
    steps: dict[str, list[_Check]] = {}
    skipped = []
    # Mart KPI rules from meta.kpi in the manifest the dbt assets are built from.
    for suite in all_suites(dbt_project().manifest_path):
        key = asset_key_of(suite)
        if key not in groups:
            skipped.append(suite.table)
            continue
        step = steps.setdefault(groups[key], [])
        step.append(_gx(suite, key))
        if suite.contract_columns:
            step.append(_contract(suite, key))
    if skipped:
        logger.debug("no asset yet for the suites of %s: not checked", ", ".join(skipped))
    return [checks_step(name, checks) for name, checks in steps.items()]
