"""The Bitrix24 emulator (reference part D2): parsing, typing, paging, batch, limits, auth."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import requests
from crm_kpi_emulators.bitrix24 import Bitrix24Emulator, Bitrix24Options
from crm_kpi_emulators.bitrix24.query import parse_php_query, split_operator
from crm_kpi_emulators.synthetic import CompanyConfig

COMPANY = CompanyConfig(
    seed=3, start_date=dt.date(2026, 2, 2), days=20, managers=3, teams=1, deals_per_day=6.0
)


@pytest.fixture(scope="module")
def portal() -> Iterator[Bitrix24Emulator]:
    """A running emulator without a request limit (tests below add their own)."""
    with Bitrix24Emulator(COMPANY, options=Bitrix24Options(burst=None)) as emulator:
        yield emulator


def _call(emulator: Bitrix24Emulator, method: str, **params: object) -> requests.Response:
    return requests.post(emulator.webhook_url + method, json=params, timeout=10)


def test_php_bracket_queries_and_operators() -> None:
    parsed = parse_php_query(
        "FILTER[%3E%3DDATE_MODIFY]=2026-01-01&select[]=ID&select[]=TITLE&order[ID]=ASC"
        "&filter[BINDINGS][0][OWNER_TYPE_ID]=2"
    )
    assert parsed["filter"][">=DATE_MODIFY"] == "2026-01-01"
    assert parsed["filter"]["BINDINGS"] == {"0": {"OWNER_TYPE_ID": "2"}}
    assert parsed["select"] == ["ID", "TITLE"]
    assert parsed["order"] == {"ID": "ASC"}
    assert split_operator(">=ID") == (">=", "ID")
    assert split_operator("!@ID") == ("!@", "ID")
    assert split_operator("TITLE") == ("=", "TITLE")


def test_string_typing_fixed_pages_and_next(portal: Bitrix24Emulator) -> None:
    body = _call(portal, "crm.deal.list", order={"ID": "ASC"}, limit=500).json()
    assert len(body["result"]) == 50
    assert body["next"] == 50
    assert body["total"] == len(portal.store.visible("deal"))
    deal = body["result"][0]
    assert isinstance(deal["ID"], str) and isinstance(deal["OPPORTUNITY"], str)
    assert deal["CLOSED"] in ("Y", "N")
    assert {"operating", "operating_reset_at"} <= set(body["time"])
    last = _call(portal, "crm.deal.list", order={"ID": "ASC"}, start=body["total"] - 1).json()
    assert "next" not in last and len(last["result"]) == 1


def test_start_minus_one_keyset_and_filter_operators(portal: Bitrix24Emulator) -> None:
    first = _call(portal, "crm.deal.list", order={"ID": "ASC"}, start=-1, select=["ID"]).json()
    assert first["total"] == 0 and "next" not in first
    after = first["result"][-1]["ID"]
    second = _call(
        portal, "crm.deal.list", order={"ID": "ASC"}, start=-1, filter={">ID": after}
    ).json()
    assert int(second["result"][0]["ID"]) > int(after)
    ids = [first["result"][0]["ID"], first["result"][1]["ID"]]
    chosen = _call(portal, "crm.deal.list", filter={"@ID": ids}, order={"ID": "ASC"}).json()
    assert [row["ID"] for row in chosen["result"]] == ids
    bad_date = _call(portal, "crm.deal.list", filter={">=DATE_MODIFY": "yesterday"}).json()
    assert bad_date["result"] == []  # an unparseable date yields no rows, not an error


def test_multifields_only_when_selected(portal: Bitrix24Emulator) -> None:
    plain = _call(portal, "crm.contact.list", order={"ID": "ASC"}).json()["result"][0]
    named = _call(portal, "crm.contact.list", order={"ID": "ASC"}, select=["*", "PHONE"]).json()[
        "result"
    ][0]
    assert "PHONE" not in plain and named["PHONE"][0]["VALUE"]


def test_result_shapes_per_method(portal: Bitrix24Emulator) -> None:
    assert "items" in _call(portal, "crm.stagehistory.list", entityTypeId=2).json()["result"]
    assert "tasks" in _call(portal, "tasks.task.list").json()["result"]
    categories = _call(portal, "crm.category.list", entityTypeId=2).json()["result"]
    assert categories["categories"][0] == {**categories["categories"][0], "id": 0}
    user = _call(portal, "user.get").json()["result"][0]
    assert isinstance(user["ACTIVE"], bool) and isinstance(user["UF_DEPARTMENT"][0], int)
    assert _call(portal, "crm.stagehistory.list", entityTypeId=7).status_code == 400
    assert _call(portal, "no.such.method").json()["error"] == "ERROR_METHOD_NOT_FOUND"


def test_batch_with_result_references(portal: Bitrix24Emulator) -> None:
    commands = {
        "first": "crm.deal.list?order[ID]=ASC&start=-1&select[]=ID",
        "next": "crm.deal.list?order[ID]=ASC&start=-1&select[]=ID"
        "&filter[>ID]=$result[first][49][ID]",
        "nested": "batch?cmd[x]=user.get",
    }
    body = _call(portal, "batch", halt=0, cmd=commands).json()["result"]
    first, following = body["result"]["first"], body["result"]["next"]
    assert int(following[0]["ID"]) > int(first[-1]["ID"])
    assert body["result_error"]["nested"]["error"] == "ERROR_BATCH_METHOD_NOT_ALLOWED"
    empty = _call(portal, "batch", cmd={"u": "user.get"}).json()["result"]
    assert empty["result_error"] == [] and empty["result_next"] == []
    too_many = _call(portal, "batch", cmd={f"c{i}": "user.get" for i in range(51)})
    assert too_many.status_code == 400


def test_leaky_bucket_answers_503_query_limit() -> None:
    options = Bitrix24Options(burst=5, drain_per_second=0.5)
    with Bitrix24Emulator(COMPANY, options=options) as emulator:
        statuses = [_call(emulator, "user.get").status_code for _ in range(8)]
        refused = _call(emulator, "user.get")
        assert statuses[:5] == [200] * 5 and 503 in statuses
        assert refused.json()["error"] == "QUERY_LIMIT_EXCEEDED"
        emulator.clock.advance(30)  # the bucket drains
        assert _call(emulator, "user.get").status_code == 200


def test_operating_time_limit_answers_429_per_method() -> None:
    options = Bitrix24Options(burst=None, operating_limit_s=0.01, operating_cost_per_row=0.01)
    with Bitrix24Emulator(COMPANY, options=options) as emulator:
        assert _call(emulator, "crm.deal.list").status_code == 200
        blocked = _call(emulator, "crm.deal.list")
        assert blocked.status_code == 429
        assert blocked.json()["error"] == "OPERATION_TIME_LIMIT"
        assert _call(emulator, "user.get").status_code == 200  # other methods still work
        emulator.clock.advance(660)
        assert _call(emulator, "crm.deal.list").status_code == 200


def test_webhook_and_oauth_auth_with_refresh_rotation(portal: Bitrix24Emulator) -> None:
    wrong = requests.post(f"{portal.base_url}/rest/1/wrong/user.get", timeout=10)
    assert wrong.status_code == 401 and wrong.json()["error"] == "NO_AUTH_FOUND"
    o = portal.options
    grant = {"client_id": o.client_id, "client_secret": o.client_secret}
    code = portal.issue_authorization_code()
    tokens = requests.get(
        f"{portal.base_url}/oauth/token/",
        params={**grant, "grant_type": "authorization_code", "code": code},
        timeout=10,
    ).json()
    url = f"{portal.base_url}/rest/user.get"
    assert requests.post(url, json={"auth": tokens["access_token"]}, timeout=10).status_code == 200
    portal.expire_access_tokens()
    expired = requests.get(url, params={"auth": tokens["access_token"]}, timeout=10)
    assert expired.status_code == 401 and expired.json()["error"] == "expired_token"
    refresh = {**grant, "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    fresh = requests.get(f"{portal.base_url}/oauth/token/", params=refresh, timeout=10)
    assert fresh.status_code == 200
    reused = requests.get(f"{portal.base_url}/oauth/token/", params=refresh, timeout=10)
    assert reused.json()["error"] == "invalid_grant"  # refresh tokens are single-use


def test_unordered_lists_shuffle_and_deleted_deals_vanish() -> None:
    with Bitrix24Emulator(COMPANY, options=Bitrix24Options(burst=None)) as emulator:
        orders = {
            tuple(row["ID"] for row in _call(emulator, "crm.deal.list").json()["result"])
            for _ in range(3)
        }
        assert len(orders) > 1
        victim = emulator.store.visible("deal")[0]["ID"]
        history = _call(
            emulator, "crm.stagehistory.list", entityTypeId=2, filter={"OWNER_ID": victim}
        ).json()["result"]["items"]
        assert history
        emulator.delete_deal(int(victim))
        assert _call(emulator, "crm.deal.list", filter={"ID": victim}).json()["result"] == []
        gone = _call(
            emulator, "crm.stagehistory.list", entityTypeId=2, filter={"OWNER_ID": victim}
        ).json()["result"]["items"]
        assert gone == []
