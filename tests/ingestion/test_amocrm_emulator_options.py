"""The emulator's configurable behaviours: rate limits and blocks, OAuth, faults, filters."""

from __future__ import annotations

import datetime as dt

import requests
from crm_kpi_emulators.amocrm import AmoCrmEmulator, EmulatorOptions
from crm_kpi_emulators.synthetic import CompanyConfig

TINY = CompanyConfig(start_date=dt.date(2026, 7, 6), days=6, deals_per_day=4.0)
AUTH = {"Authorization": "Bearer t"}


def test_rate_limit_answers_429_html_then_blocks_with_403() -> None:
    options = EmulatorOptions(requests_per_second=0.5, burst=2, block_after_429=3)
    with AmoCrmEmulator(TINY, token="t", options=options) as emu:
        url = f"{emu.base_url}/api/v4/leads/pipelines"
        statuses = [requests.get(url, headers=AUTH, timeout=10) for _ in range(6)]
        assert [r.status_code for r in statuses[:2]] == [200, 200]
        too_many = statuses[2]
        assert too_many.status_code == 429 and "Retry-After" not in too_many.headers
        assert too_many.headers["Content-Type"].startswith("text/html")
        assert [r.status_code for r in statuses[5:]] == [403]
        assert "nginx" in statuses[5].text
        emu.unblock()
        assert requests.get(url, headers=AUTH, timeout=10).status_code == 200


def test_oauth_code_exchange_and_refresh_rotation() -> None:
    options = EmulatorOptions()
    with AmoCrmEmulator(TINY, token="static", options=options) as emu:
        url = f"{emu.base_url}/oauth2/access_token"
        client = {
            "client_id": options.client_id,
            "client_secret": options.client_secret,
            "redirect_uri": options.redirect_uri,
        }
        code = emu.issue_authorization_code()
        first = requests.post(
            url, json={**client, "grant_type": "authorization_code", "code": code}, timeout=10
        )
        assert first.status_code == 200
        tokens = first.json()
        assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 86400
        reused = requests.post(
            url, json={**client, "grant_type": "authorization_code", "code": code}, timeout=10
        )
        assert reused.status_code == 400
        leads = f"{emu.base_url}/api/v4/leads"
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert requests.get(leads, headers=bearer, timeout=10).status_code == 200
        emu.expire_access_tokens()
        assert requests.get(leads, headers=bearer, timeout=10).status_code == 401
        refresh = {
            **client,
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
        }
        renewed = requests.post(url, data=refresh, timeout=10)  # form-encoded works too
        assert renewed.status_code == 200
        assert renewed.json()["refresh_token"] != tokens["refresh_token"]
        assert requests.post(url, data=refresh, timeout=10).status_code == 400, "single use"
        bearer = {"Authorization": f"Bearer {renewed.json()['access_token']}"}
        assert requests.get(leads, headers=bearer, timeout=10).status_code == 200


def test_faults_payment_and_missing_entities() -> None:
    options = EmulatorOptions(fault_rate=1.0, not_found_status=404)
    with AmoCrmEmulator(TINY, token="t", options=options) as emu:
        response = requests.get(f"{emu.base_url}/api/v4/leads", headers=AUTH, timeout=10)
        assert response.status_code in (500, 502, 503, 504)
        assert response.headers["Content-Type"].startswith("text/html")
    with AmoCrmEmulator(TINY, token="t", options=EmulatorOptions(payment_required=True)) as emu:
        response = requests.get(f"{emu.base_url}/api/v4/leads", headers=AUTH, timeout=10)
        assert response.status_code == 402
    options = EmulatorOptions(not_found_status=404, links_host="https://shard152.amocrm.ru")
    with AmoCrmEmulator(TINY, token="t", options=options) as emu:
        assert requests.get(f"{emu.base_url}/api/v4/leads/1", headers=AUTH).status_code == 404
        body = requests.get(f"{emu.base_url}/api/v4/leads", headers=AUTH, timeout=10).json()
        assert body["_links"]["self"]["href"].startswith("https://shard152.amocrm.ru/api/v4/")


def test_accounts_without_api_filters_ignore_them_except_id() -> None:
    options = EmulatorOptions(filters_enabled=False, storage_path="")
    with AmoCrmEmulator(TINY, token="t", options=options) as emu:
        base = f"{emu.base_url}/api/v4"
        account = requests.get(f"{base}/account?with=is_api_filter_enabled", headers=AUTH)
        assert account.json()["is_api_filter_enabled"] is False
        everything = requests.get(f"{base}/leads?limit=250", headers=AUTH).json()
        future = requests.get(
            f"{base}/leads?limit=250&filter[updated_at][from]={emu.now + 10**6}", headers=AUTH
        ).json()
        assert future["_embedded"] == everything["_embedded"]
        first = everything["_embedded"]["leads"][0]["id"]
        one = requests.get(f"{base}/leads?filter[id]={first}", headers=AUTH).json()
        assert [lead["id"] for lead in one["_embedded"]["leads"]] == [first]


def test_mutation_during_pagination_moves_rows_across_pages() -> None:
    options = EmulatorOptions(mutate_during_pagination=3)
    with AmoCrmEmulator(TINY, token="t", options=options) as emu:
        url = f"{emu.base_url}/api/v4/leads?limit=5&order[updated_at]=asc"
        seen, page = [], requests.get(url, headers=AUTH, timeout=10).json()
        trash = requests.get(f"{emu.base_url}/api/v4/leads?with=only_deleted", headers=AUTH)
        deleted = len(trash.json()["_embedded"]["leads"]) if trash.status_code == 200 else 0
        total = emu.store.counts()["leads"] - deleted
        while True:
            seen += [lead["id"] for lead in page["_embedded"]["leads"]]
            if "next" not in page["_links"]:
                break
            page = requests.get(page["_links"]["next"]["href"], headers=AUTH, timeout=10).json()
        assert len(seen) != len(set(seen)) or len(set(seen)) < total
        recent = emu.now - 300
        bumped = requests.get(
            f"{emu.base_url}/api/v4/leads?limit=250&filter[updated_at]={recent}", headers=AUTH
        ).json()["_embedded"]["leads"]
        assert bumped and all(recent <= lead["updated_at"] < emu.now for lead in bumped)
