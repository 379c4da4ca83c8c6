"""Issue 15, acceptance: three emulated amoCRM accounts, one of which fails every request.

The other two load (each in its own run, a partition of the amoCRM ingestion job), the merge,
dbt and the checks run on them, and their marts publish; the failed account is named in the
run's result (the summary of ``crm-kpi run``) and in the alert (a webhook here).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import duckdb
import pytest
from alert_receivers import webhook_receiver
from crm_kpi_emulators.amocrm import AmoCrmEmulator
from crm_kpi_emulators.amocrm.options import EmulatorOptions
from crm_kpi_emulators.synthetic import CompanyConfig

from crm_kpi.cli import main

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

TOKEN = "accounts-token"
ACCOUNTS = ("north", "south", "broken")
# "Every request": every route the source reads answers 402 (the account's paid period ended),
# an error the source treats as permanent, so the account fails at once, without retries.
FAILING_ROUTES = (
    "account",
    "users",
    "leads",
    "leads/pipelines",
    "leads/notes",
    "leads/tags",
    "contacts",
    "contacts/notes",
    "companies",
    "events",
    "tasks",
    "calls",
)


def _company(index: int, subdomain: str) -> CompanyConfig:
    return CompanyConfig(
        seed=20 + index,
        start_date=dt.date(2026, 6, 1),
        days=35,
        managers=2,
        teams=1,
        subdomain=subdomain,
        account_id=31000000 + index,  # three different accounts, not three copies of one
    )


@pytest.fixture
def three_accounts(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, AmoCrmEmulator]]:
    """Three emulated accounts configured as ``SOURCES__AMOCRM__ACCOUNTS=north,south,broken``."""
    with ExitStack() as stack:
        emulators = {}
        for index, name in enumerate(ACCOUNTS):
            options = EmulatorOptions(
                status_overrides=tuple((route, 402) for route in FAILING_ROUTES)
                if name == "broken"
                else ()
            )
            emulator = AmoCrmEmulator(
                _company(index, name), token=TOKEN, host="127.0.0.1", port=0, options=options
            )
            emulators[name] = stack.enter_context(emulator)
            prefix = f"SOURCES__AMOCRM__{name.upper()}__"
            monkeypatch.setenv(prefix + "SUBDOMAIN", emulator.subdomain)
            monkeypatch.setenv(prefix + "BASE_URL", emulator.base_url)
            monkeypatch.setenv(prefix + "ACCESS_TOKEN", TOKEN)
        monkeypatch.setenv("SOURCES__AMOCRM__ACCOUNTS", ",".join(ACCOUNTS))
        monkeypatch.setenv("SOURCES__AMOCRM__REQUESTS_PER_SECOND", "200")
        monkeypatch.setenv("CRM_KPI_SERVING_DIR", str(tmp_path / "serving"))
        monkeypatch.delenv("CRM_KPI_PG_DSN", raising=False)
        yield emulators


def test_a_failing_account_is_named_and_the_others_publish(
    three_accounts: dict[str, AmoCrmEmulator],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with webhook_receiver() as (url, alerts):
        monkeypatch.setenv("CRM_KPI_ALERT_WEBHOOK_URL", url)
        code = main(["run"])
    out = capsys.readouterr().out
    # the run's result: failed, naming the broken account, and the others published
    assert code == 1
    assert "amocrm.broken" in out and "accounts that failed to load" in out
    snapshot = tmp_path / "serving" / "crm_kpi.duckdb"
    with duckdb.connect(str(snapshot), read_only=True) as connection:
        names = {
            name
            for (name,) in connection.execute(
                "select distinct a.account_name from mart_manager_monthly m"
                " join dim_accounts a using (account_key)"
            ).fetchall()
        }
        (published_accounts,) = connection.execute(
            "select count(distinct account_key) from mart_manager_monthly"
        ).fetchone()
    assert published_accounts == 2, names
    assert "published:" in out
    # the alert names the failed account, and only it
    [alert] = alerts
    assert "amocrm.broken" in alert["subject"]
    assert "north" not in alert["subject"] and "south" not in alert["subject"]
    assert any("402" in line for line in alert["details"])
