"""The email digest reaches a local SMTP server: report attached, summary in the body."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from dagster import AssetCheckResult, AssetKey, asset, asset_check, materialize

from crm_kpi.orchestration.defs.serving.serving_assets import (
    DIGEST_KEY,
    REPORT_KEY,
    build_serving_assets,
)
from crm_kpi.serving.digest import DigestError, SmtpSettings, send_digest


class Inbox:
    """An aiosmtpd handler that keeps every message."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd API)
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _parts(message: Message) -> tuple[str, str, bytes]:
    body = attachment_name = ""
    attachment = b""
    for part in message.walk():
        if part.get_content_disposition() == "attachment":
            attachment_name = part.get_filename() or ""
            attachment = part.get_payload(decode=True) or b""
        elif part.get_content_type() == "text/plain":
            body = part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return body, attachment_name, attachment


def test_send_digest(tmp_path: Path, smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    report = tmp_path / "kpi_report_2026-09-30.html"
    report.write_text("<html><body>Выручка</body></html>", encoding="utf-8")
    smtp = SmtpSettings(host="127.0.0.1", port=port, starttls=False, sender="kpi@example.com")
    send_digest(report, "Выручка 3 600 000", "KPI: 2026-09-30", ["a@example.com", "b@x.ru"], smtp)
    [(recipients, message)] = inbox.messages
    assert recipients == ["a@example.com", "b@x.ru"]
    assert message["Subject"] == "KPI: 2026-09-30"
    body, name, attachment = _parts(message)
    assert "Выручка 3 600 000" in body
    assert name == report.name
    assert attachment.decode("utf-8") == report.read_text(encoding="utf-8")


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    report = tmp_path / "r.html"
    report.write_text("<html></html>", encoding="utf-8")
    smtp = SmtpSettings(host="127.0.0.1", port=_free_port(), starttls=False)
    with pytest.raises(DigestError, match=r"through 127\.0\.0\.1:\d+ failed"):
        send_digest(report, "s", "subject", ["a@example.com"], smtp)


def _nightly_assets():
    @asset(key=AssetKey(["marts", "mart_manager_monthly"]))
    def mart() -> None:
        """Stands in for the dbt mart."""

    @asset_check(asset=mart.key, blocking=True)
    def gx_mart() -> AssetCheckResult:
        return AssetCheckResult(passed=True)

    return [mart, gx_mart, *build_serving_assets([mart.key])]


@pytest.fixture
def serving_env(small_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CRM_KPI_WAREHOUSE", str(small_warehouse))
    monkeypatch.setenv("CRM_KPI_SERVING_DIR", str(tmp_path / "serving"))
    monkeypatch.setenv("CRM_KPI_REPORT_LANGUAGE", "en")
    monkeypatch.delenv("CRM_KPI_PG_DSN", raising=False)
    return tmp_path / "serving"


def test_nightly_run_mails_the_report_when_configured(
    serving_env: Path, smtp_server: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, port = smtp_server
    monkeypatch.setenv("CRM_KPI_DIGEST_RECIPIENTS", "head@example.com, cfo@example.com")
    monkeypatch.setenv("CRM_KPI_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CRM_KPI_SMTP_PORT", str(port))
    monkeypatch.setenv("CRM_KPI_SMTP_STARTTLS", "false")
    result = materialize(_nightly_assets(), raise_on_error=False, resources=_resources())
    assert result.success
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert {REPORT_KEY, DIGEST_KEY} <= materialized
    [(recipients, message)] = inbox.messages
    assert recipients == ["head@example.com", "cfo@example.com"]
    assert message["Subject"] == "Sales KPIs: 2026-09-30"
    body, name, attachment = _parts(message)
    assert "September 2026: Revenue 3,600,000" in body and "Open alerts: 2" in body
    assert name == "kpi_report_amocrm_1_2026-09-30.html"  # one report per account
    assert b"<svg" in attachment


def test_digest_is_off_unless_configured(serving_env: Path, monkeypatch) -> None:
    monkeypatch.delenv("CRM_KPI_DIGEST_RECIPIENTS", raising=False)
    monkeypatch.delenv("CRM_KPI_SMTP_HOST", raising=False)
    result = materialize(_nightly_assets(), raise_on_error=False, resources=_resources())
    assert result.success
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert REPORT_KEY in materialized and DIGEST_KEY not in materialized


def _resources() -> dict:
    """The code location's resources, read from this test's (monkeypatched) environment."""
    from crm_kpi.orchestration.resources import build_resources

    return build_resources(env_vars=False)
