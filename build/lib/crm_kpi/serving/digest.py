"""The email digest: the HTML report attached, a short summary in the body, over SMTP."""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

logger = logging.getLogger("crm_kpi.serving")

SMTPS_PORT = 465


class DigestError(RuntimeError):
    """The digest could not be sent."""


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the mail server."""

    host: str
    port: int = 587
    user: str | None = None
    password: str | None = None
    starttls: bool = True
    sender: str = "crm-kpi@localhost"


def build_message(
    report: Path, summary: str, subject: str, recipients: Sequence[str], sender: str
) -> EmailMessage:
    """A plain-text message with the summary as body and the report as an HTML attachment."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    message.set_content(summary + "\n")
    message.add_attachment(
        report.read_bytes(), maintype="text", subtype="html", filename=report.name
    )
    return message


def send_digest(
    report: Path, summary: str, subject: str, recipients: Sequence[str], smtp: SmtpSettings
) -> None:
    """Mail the report to every recipient (one message); raise DigestError naming the server."""
    if not recipients:
        raise DigestError("no digest recipients: set CRM_KPI_DIGEST_RECIPIENTS")
    message = build_message(report, summary, subject, recipients, smtp.sender)
    try:
        if smtp.port == SMTPS_PORT:
            client = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=30, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=30)
        with client:
            if smtp.starttls and smtp.port != SMTPS_PORT:
                client.starttls(context=ssl.create_default_context())
            if smtp.user:
                client.login(smtp.user, smtp.password or "")
            refused = client.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise DigestError(
            f"sending the digest through {smtp.host}:{smtp.port} failed: {error}"
        ) from error
    if refused:
        logger.warning("digest: refused by the server for %s", ", ".join(refused))
    logger.info("digest: mailed %s to %d recipients", report.name, len(recipients) - len(refused))
