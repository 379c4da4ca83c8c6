"""Great Expectations suites run as Dagster asset checks; checks on marts block publishing."""

import logging
from types import ModuleType

from dagster import (
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)

from crm_kpi.config import get_settings
from data_quality.suites import mart_manager_monthly
from data_quality.validation import ValidationOutcome, validate_frame
from data_quality.warehouse import read_table
from orchestration.assets.crm_ingestion import WAREHOUSE_POOL

logger = logging.getLogger("crm_kpi.orchestration")


def outcome_metadata(outcome: ValidationOutcome) -> dict[str, MetadataValue]:
    """What the UI shows for a check: counts, and each failed expectation with sample rows."""
    lines = [
        f"- `{failure.expectation}` on `{failure.column}`: {failure.failed_rows} rows, "
        f"e.g. {failure.sample}"
        for failure in outcome.failures
    ]
    return {
        "rows": MetadataValue.int(outcome.rows),
        "expectations": MetadataValue.int(outcome.evaluated),
        "failed_expectations": MetadataValue.int(len(outcome.failures)),
        "failed_rows": MetadataValue.int(sum(f.failed_rows for f in outcome.failures)),
        "failures": MetadataValue.md("\n".join(lines) if lines else "none"),
    }


def gx_check(suite: ModuleType, asset_key: AssetKey) -> AssetChecksDefinition:
    """A blocking asset check that validates ``suite.TABLE`` with ``suite.expectations()``."""
    schema, table = suite.TABLE.split(".", 1)

    @asset_check(
        asset=asset_key,
        name=f"gx_{table}",
        description=f"Great Expectations suite on {suite.TABLE}: {suite.expectations.__doc__}",
        blocking=True,
        pool=WAREHOUSE_POOL,
    )
    def _check() -> AssetCheckResult:
        outcome = validate_frame(
            suite.TABLE,
            read_table(get_settings().warehouse_path, suite.TABLE),
            suite.expectations(),
        )
        logger.info(
            "GX %s: %d rows, %d expectations, %s",
            suite.TABLE,
            outcome.rows,
            outcome.evaluated,
            "passed" if outcome.success else f"{len(outcome.failures)} FAILED",
        )
        return AssetCheckResult(
            passed=outcome.success,
            severity=AssetCheckSeverity.ERROR,
            metadata=outcome_metadata(outcome),
        )

    return _check


def build_checks() -> list[AssetChecksDefinition]:
    """Every GX-backed check of the project."""
    return [gx_check(mart_manager_monthly, AssetKey(["marts", "mart_manager_monthly"]))]
