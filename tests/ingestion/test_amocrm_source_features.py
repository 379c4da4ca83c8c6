"""The amoCRM source beyond the acceptance list: 401 refresh, accounts without filters,
several accounts, custom fields, progress logs and the paginators on their own."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest
import requests
from amocrm_harness import COMPANY, TOKEN, api_requests, query, run_source, table_rows
from crm_kpi_emulators.amocrm import AmoCrmEmulator, EmulatorOptions

from crm_kpi.sources.amocrm.helpers.auth import AmoOAuth2Auth, OAuthClient, TokenEndpoint
from crm_kpi.sources.amocrm.helpers.client import AmoRestClient
from crm_kpi.sources.amocrm.helpers.paginators import FilterNotHonoured, KeysetPaginator
from crm_kpi.sources.common.token_store import TokenStore

SMALL = dataclasses.replace(COMPANY, days=8)


def test_a_401_refreshes_once_and_retries(tmp_path: Path) -> None:
    options = EmulatorOptions()
    with AmoCrmEmulator(SMALL, token="static", options=options) as emu:
        client = AmoRestClient(emu.base_url, "pending", 1000)
        oauth = OAuthClient(options.client_id, options.client_secret, options.redirect_uri)
        store = TokenStore(tmp_path / "tokens.json")
        auth = AmoOAuth2Auth(store, TokenEndpoint(emu.base_url, oauth, client.plain_session()))
        auth.bootstrap(emu.issue_authorization_code())
        client.auth = auth
        assert client.get_object("account")["id"] == emu.account_id
        first = store.load()
        emu.expire_access_tokens()
        emu.reset_request_log()
        assert client.get_object("account")["id"] == emu.account_id
        statuses = [(path, status) for _, path, _, status in emu.request_log]
    assert statuses == [
        ("/api/v4/account", 401),
        ("/oauth2/access_token", 200),
        ("/api/v4/account", 200),
    ]
    second = store.load()
    assert second is not None and first is not None
    assert second.refresh_token != first.refresh_token
    assert auth.refreshes == 1


def test_oauth_without_stored_tokens_or_code_says_what_to_do(tmp_path: Path) -> None:
    options = EmulatorOptions()
    with (
        AmoCrmEmulator(SMALL, token="static", options=options) as emu,
        pytest.raises(Exception, match="AUTHORIZATION_CODE"),
    ):
        run_source(
            emu,
            tmp_path,
            client_id=options.client_id,
            client_secret=options.client_secret,
            redirect_uri=options.redirect_uri,
            token_path=str(tmp_path / "none.json"),
        )


def test_an_account_without_api_filters_is_scanned_newest_first(tmp_path: Path) -> None:
    with AmoCrmEmulator(SMALL, token=TOKEN) as emu:
        run_source(emu, tmp_path / "filtered")
    options = EmulatorOptions(filters_enabled=False)
    with AmoCrmEmulator(SMALL, token=TOKEN, options=options) as emu:
        run_source(emu, tmp_path / "unfiltered")
        emu.advance(days=1)
        emu.reset_request_log()
        run_source(emu, tmp_path / "unfiltered")
        leads = [q for _, path, q, _ in api_requests(emu) if path == "/api/v4/leads"]
    assert any("order%5Bupdated_at%5D=desc" in q for q in leads), leads
    for table in ("leads", "contacts", "lead_notes", "tasks"):
        assert table_rows(tmp_path / "unfiltered", table), table
    # the first load (before the extra day) saw the same leads as an account with filters
    first = {row[0] for row in query(tmp_path / "filtered", "select id from raw_amocrm.leads")}
    both = {row[0] for row in query(tmp_path / "unfiltered", "select id from raw_amocrm.leads")}
    assert first <= both


def test_keyset_paginator_notices_an_ignored_filter() -> None:
    paginator = KeysetPaginator("updated_at", start=100, limit=2)
    response = requests.models.Response()
    response._content = b'{"_links": {"next": {"href": "x"}}}'
    with pytest.raises(FilterNotHonoured):
        paginator.update_state(response, [{"updated_at": 50}, {"updated_at": 120}])
    paginator.update_state(response, [{"updated_at": 120}, {"updated_at": 130}])
    assert (paginator.start, paginator.page, paginator.has_next_page) == (130, 1, True)
    paginator.update_state(response, [{"updated_at": 130}, {"updated_at": 130}])
    assert (paginator.start, paginator.page) == (130, 2), "a page of one timestamp turns"
    response._content = b'{"_links": {}}'
    paginator.update_state(response, [{"updated_at": 131}])
    assert not paginator.has_next_page


def test_two_accounts_load_into_one_warehouse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = dataclasses.replace(SMALL, seed=5, account_id=31000999, subdomain="eu")
    with AmoCrmEmulator(SMALL, token="t-main") as main, AmoCrmEmulator(other, token="t-eu") as eu:
        monkeypatch.setenv("SOURCES__AMOCRM__ACCOUNTS", "main, eu")
        for name, emu, token in (("MAIN", main, "t-main"), ("EU", eu, "t-eu")):
            monkeypatch.setenv(f"SOURCES__AMOCRM__{name}__SUBDOMAIN", emu.subdomain)
            monkeypatch.setenv(f"SOURCES__AMOCRM__{name}__BASE_URL", emu.base_url)
            monkeypatch.setenv(f"SOURCES__AMOCRM__{name}__ACCESS_TOKEN", token)
        # run_source passes one account's settings; the named accounts take precedence
        run_source(main, tmp_path)
        assert len(api_requests(eu)) > 0 and len(api_requests(main)) > 0
        accounts_in_leads = query(
            tmp_path, "select count(distinct account_id) from raw_amocrm.leads"
        )[0][0]
    assert accounts_in_leads == 2
    accounts = query(tmp_path, "select id, subdomain from raw_amocrm.account order by id")
    assert accounts == [(SMALL.account_id, SMALL.subdomain), (31000999, "eu")]


def test_custom_field_values_are_long_form_with_enum_labels(tmp_path: Path) -> None:
    with AmoCrmEmulator(SMALL, token=TOKEN) as emu:
        run_source(emu, tmp_path)
    labelled = query(
        tmp_path,
        "select count(*), count(enum_label) from raw_amocrm.lead_custom_field_values"
        " where field_type = 'select'",
    )[0]
    assert labelled[0] > 0 and labelled[0] == labelled[1]
    leads = query(tmp_path, "select count(*) from raw_amocrm.leads")[0][0]
    per_lead = query(
        tmp_path,
        "select count(distinct entity_id) from raw_amocrm.lead_custom_field_values",
    )[0][0]
    assert per_lead == leads, "every loaded lead has its values (or a marker row)"
    enums = query(tmp_path, "select count(*) from raw_amocrm.custom_field_enums")[0][0]
    assert enums > 0


def test_progress_is_logged_per_resource(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="crm_kpi.ingestion.amocrm")
    with AmoCrmEmulator(SMALL, token=TOKEN) as emu:
        run_source(emu, tmp_path)
    lines = [r.getMessage() for r in caplog.records if r.name == "crm_kpi.ingestion.amocrm"]
    leads = [line for line in lines if line.startswith("amocrm leads [amocrm:")]
    assert leads and "rows in" in leads[0] and "requests" in leads[0]
    assert "throttle waits" in leads[0]
