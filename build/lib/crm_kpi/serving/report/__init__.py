"""The HTML KPI report: one self-contained offline file per run, built from the snapshot."""

from crm_kpi.serving.report.build import ReportResult, build_report, build_reports

__all__ = ["ReportResult", "build_report", "build_reports"]
