"""Serving assets: publish the checked marts (snapshot, Parquet/CSV), PostgreSQL, report, digest.

They run after the marts and their blocking checks: the published snapshot depends on every
mart asset and the BI dimensions, so a failed blocking check on a mart stops publishing and
yesterday's snapshot stays live.
"""

# No `from __future__ import annotations`: Dagster inspects the `context` annotation at runtime.
import logging
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from crm_kpi.config import DIGEST_RECIPIENTS_ENV, PG_DSN_ENV, SMTP_HOST_ENV, ServingSettings
from crm_kpi.orchestration.defs.dbt.dbt_models import dbt_project
from crm_kpi.orchestration.defs.dlt.crm_ingestion import WAREHOUSE_POOL
from crm_kpi.quality.withheld import withheld_in_run
from crm_kpi.serving.dbt_docs import TableDoc, load_table_docs, render_markdown
from crm_kpi.serving.digest import SmtpSettings, send_digest
from crm_kpi.serving.pbids import write_pbids
from crm_kpi.serving.postgres import PostgresTarget, publish_to_postgres
from crm_kpi.serving.snapshot import publish_snapshot, snapshot_path
from crm_kpi.serving.tables import DIMENSIONS, MARTS_SCHEMA
from crm_kpi.warehouse import Warehouse

logger = logging.getLogger("crm_kpi.orchestration")

SERVING_GROUP = "serving"
SNAPSHOT_KEY = AssetKey(["serving", "published_snapshot"])
POSTGRES_KEY = AssetKey(["serving", "postgres_marts"])
REPORT_KEY = AssetKey(["serving", "kpi_report"])
DIGEST_KEY = AssetKey(["serving", "email_digest"])
GATE_KEY = AssetKey(["serving", "account_gate"])
PBIDS_FILE = "powerbi/crm_kpi_postgresql.pbids"
REPORTS_DIR = "reports"


def _table_docs() -> dict[str, TableDoc]:
    return load_table_docs(dbt_project().manifest_path)


def published_upstream_keys(keys: Iterable[AssetKey]) -> list[AssetKey]:
    """The asset keys the snapshot waits for: every mart and the BI dimensions among ``keys``."""
    dimensions = {AssetKey([schema, name]) for schema, name in DIMENSIONS}
    return sorted(
        (key for key in keys if key.path[0] == MARTS_SCHEMA or key in dimensions),
        key=lambda key: key.to_user_string(),
    )


def build_serving_assets(upstream: Sequence[AssetKey]) -> list[AssetsDefinition]:
    """The serving assets, downstream of ``upstream`` (the mart and dimension asset keys)."""

    @asset(
        key=SNAPSHOT_KEY,
        deps=list(upstream),
        group_name=SERVING_GROUP,
        pool=WAREHOUSE_POOL,
        kinds={"duckdb", "parquet", "csv"},
        description="Every mart and BI dimension, published to a read-only DuckDB file and "
        "Parquet/CSV files, swapped in atomically after the mart checks pass.",
    )
    def published_snapshot(
        context: AssetExecutionContext, serving_settings: ServingSettings, warehouse: Warehouse
    ) -> MaterializeResult:
        serving_dir = serving_settings.serving_path
        withheld = withheld_in_run(warehouse, context.run.run_id)
        logger.info("publishing the marts to %s ...", serving_dir)
        for account, reason in withheld.items():
            logger.error("publish: account %s left out (failed a blocking check: %s)", account,
                         reason)  # fmt: skip
        readme = render_markdown(_table_docs())
        result = publish_snapshot(
            warehouse,
            serving_dir,
            readme=readme,
            exclude_accounts=set(withheld),
        )
        return MaterializeResult(
            metadata={
                "withheld_accounts": MetadataValue.json(withheld),
                "version": result.version,
                "snapshot": MetadataValue.path(str(result.snapshot_path)),
                "files": MetadataValue.path(str(result.files_dir)),
                "tables": MetadataValue.json(result.row_counts),
                "rows": sum(result.row_counts.values()),
            }
        )

    @asset(
        key=POSTGRES_KEY,
        deps=[SNAPSHOT_KEY],
        group_name=SERVING_GROUP,
        kinds={"postgres"},
        description="The published tables in a PostgreSQL schema (swapped in by renames in one "
        "transaction) with a read-only BI role, and a Power BI .pbids file. Off unless "
        f"{PG_DSN_ENV} is set.",
    )
    def postgres_marts(serving_settings: ServingSettings) -> MaterializeResult:
        serving = serving_settings
        if not serving.pg_dsn:
            message = f"PostgreSQL publish skipped: {PG_DSN_ENV} is not set"
            logger.info(message)
            return MaterializeResult(metadata={"published": False, "reason": message})
        target = PostgresTarget(
            dsn=serving.pg_dsn,
            schema=serving.pg_schema,
            bi_role=serving.pg_bi_role,
            bi_password=serving.pg_bi_password or None,
        )
        logger.info("publishing the marts to PostgreSQL schema %s ...", target.schema)
        docs = {name: doc.as_comments() for name, doc in _table_docs().items()}
        result = publish_to_postgres(snapshot_path(serving.serving_path), target, docs=docs)
        pbids = write_pbids(serving.pg_dsn, serving.serving_path / PBIDS_FILE)
        return MaterializeResult(
            metadata={
                "published": True,
                "database": result.database,
                "schema": result.schema,
                "bi_role": target.bi_role,
                "tables": MetadataValue.json(result.row_counts),
                "pbids": MetadataValue.path(str(pbids)),
            }
        )

    @asset(
        key=REPORT_KEY,
        deps=[SNAPSHOT_KEY],
        group_name=SERVING_GROUP,
        kinds={"html"},
        description="A self-contained offline HTML KPI report per account of the published "
        "snapshot (leaderboard, trends, funnel, plan vs fact, alerts; partial periods marked), "
        "in CRM_KPI_REPORT_LANGUAGE.",
    )
    def kpi_report(serving_settings: ServingSettings) -> MaterializeResult:
        logger.info("writing the HTML KPI report, one per account ...")
        from crm_kpi.serving.report import build_reports  # matplotlib: only when reporting

        results = build_reports(
            snapshot_path(serving_settings.serving_path),
            serving_settings.serving_path / REPORTS_DIR,
            language=serving_settings.report_language,
        )
        first = results[0]
        return MaterializeResult(
            metadata={
                "path": MetadataValue.path(str(first.path)),
                "reports": MetadataValue.json([str(r.path) for r in results]),
                "as_of": str(max((r.as_of for r in results if r.as_of), default=None)),
                "sections_with_data": MetadataValue.json(first.sections),
                "summary": MetadataValue.text("\n\n".join(r.summary for r in results)),
            }
        )

    # Depends on every other serving asset, so that it mails only after a successful run.
    @asset(
        key=DIGEST_KEY,
        deps=[REPORT_KEY, POSTGRES_KEY],
        group_name=SERVING_GROUP,
        kinds={"email"},
        output_required=False,
        description="Mails the HTML report and a short summary to CRM_KPI_DIGEST_RECIPIENTS "
        "over SMTP. Off unless recipients and CRM_KPI_SMTP_HOST are set.",
    )
    def email_digest(
        context: AssetExecutionContext, serving_settings: ServingSettings
    ) -> Iterator[MaterializeResult]:
        serving = serving_settings
        if not serving.digest_enabled:
            logger.info(
                "email digest skipped: set %s and %s to mail the report",
                DIGEST_RECIPIENTS_ENV,
                SMTP_HOST_ENV,
            )
            return
        event = context.instance.get_latest_materialization_event(REPORT_KEY)
        metadata = (
            event.asset_materialization.metadata if event and event.asset_materialization else {}
        )
        report = Path(str(metadata["path"].value))
        summary = str(metadata["summary"].value)
        from crm_kpi.serving.report.labels import Labels

        subject = f"{Labels(serving.report_language)('title')}: {metadata['as_of'].value}"
        smtp = SmtpSettings(
            host=serving.smtp_host,
            port=serving.smtp_port,
            user=serving.smtp_user or None,
            password=serving.smtp_password or None,
            starttls=serving.smtp_starttls,
            sender=serving.smtp_sender,
        )
        send_digest(report, summary, subject, serving.recipients, smtp)
        yield MaterializeResult(
            metadata={
                "recipients": len(serving.recipients),
                "report": MetadataValue.path(str(report)),
                "smtp": f"{smtp.host}:{smtp.port}",
            }
        )

    @asset(
        key=GATE_KEY,
        deps=[SNAPSHOT_KEY, POSTGRES_KEY, REPORT_KEY],
        group_name=SERVING_GROUP,
        description="Fails the run, after the healthy accounts are published, when a blocking "
        "mart check withheld an account (issue 10): the run-failure alert names it.",
    )
    def account_gate(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
        withheld = withheld_in_run(warehouse, context.run.run_id)
        if withheld:
            lines = "; ".join(f"{account} ({reason})" for account, reason in withheld.items())
            raise Failure(
                description=f"accounts NOT published, a blocking check failed on their rows: "
                f"{lines}. The other accounts were published.",
                metadata={"withheld_accounts": MetadataValue.json(withheld)},
                allow_retries=False,
            )
        return MaterializeResult(metadata={"withheld_accounts": 0})

    return [published_snapshot, postgres_marts, kpi_report, email_digest, account_gate]
