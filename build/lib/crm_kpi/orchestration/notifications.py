"""Tell people a run failed: an email over SMTP and/or a JSON POST to a webhook.

Both are configured by environment variables (``crm_kpi.config``): recipients in
``CRM_KPI_ALERT_EMAILS`` with the SMTP server of ``CRM_KPI_SMTP_*``, and the webhook in
``CRM_KPI_ALERT_WEBHOOK_URL`` (Slack/Mattermost incoming webhooks accept the ``text`` field).
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage

import requests

from crm_kpi.config import (
    OrchestrationSettings,
    ServingSettings,
    get_orchestration_settings,
    get_serving_settings,
)

logger = logging.getLogger("crm_kpi.orchestration")
WEBHOOK_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Alert:
    """What went wrong, in a form both an email and a chat message can carry."""

    subject: str
    lines: list[str] = field(default_factory=list)
    run_id: str = ""
    job_name: str = ""

    @property
    def text(self) -> str:
        """The plain-text body."""
        return "\n".join([self.subject, "", *self.lines])


def send_email(alert: Alert, recipients: tuple[str, ...], smtp: ServingSettings) -> None:
    """Send ``alert`` to ``recipients`` through the configured SMTP server."""
    if smtp.smtp_host is None:
        raise ValueError("alert emails need an SMTP server: set CRM_KPI_SMTP_HOST")
    message = EmailMessage()
    message["Subject"] = alert.subject
    message["From"] = smtp.smtp_sender
    message["To"] = ", ".join(recipients)
    message.set_content(alert.text)
    with smtplib.SMTP(smtp.smtp_host, smtp.smtp_port, timeout=30) as server:
        if smtp.smtp_starttls and server.has_extn("starttls"):
            server.starttls()
        if smtp.smtp_user and smtp.smtp_password:
            server.login(smtp.smtp_user, smtp.smtp_password)
        server.send_message(message)


def post_webhook(alert: Alert, url: str) -> None:
    """POST ``alert`` as JSON (``text`` plus structured fields) to ``url``."""
    response = requests.post(
        url,
        json={
            "text": alert.text,
            "subject": alert.subject,
            "details": alert.lines,
            "run_id": alert.run_id,
            "job": alert.job_name,
        },
        timeout=WEBHOOK_TIMEOUT_SECONDS,
    )
    response.raise_for_status()


def notify(
    alert: Alert,
    settings: OrchestrationSettings | None = None,
    smtp: ServingSettings | None = None,
) -> list[str]:
    """Send ``alert`` through every configured channel; the channels that worked.

    A channel that fails is logged and does not stop the others.
    """
    settings = settings or get_orchestration_settings()
    smtp = smtp or get_serving_settings()
    sent = []
    if settings.alert_emails:
        try:
            send_email(alert, settings.alert_emails, smtp)
            sent.append("email")
        except (OSError, smtplib.SMTPException, ValueError) as error:
            logger.error("could not email the alert to %s: %s", settings.alert_emails, error)
    if settings.alert_webhook_url:
        try:
            post_webhook(alert, settings.alert_webhook_url)
            sent.append("webhook")
        except requests.RequestException as error:
            logger.error("could not post the alert to the webhook: %s", error)
    if not sent:
        logger.warning("alert not sent (no channel configured or all failed): %s", alert.subject)
    return sent
