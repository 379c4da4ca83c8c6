"""The amoCRM emulator: admin-only endpoints for non-admin tokens, unsorted leads, POST /calls."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from crm_kpi_emulators.amocrm import AmoCrmEmulator, EmulatorOptions
from crm_kpi_emulators.synthetic import CompanyConfig

TOKEN = "admin-token"
USER_TOKEN = "manager-token"
MANAGER_ID = 8375002  # the second manager of the synthetic company: not an admin
CONFIG = CompanyConfig(managers=3, days=10, start_date=dt.date(2026, 7, 1), deals_per_day=3.0)


@pytest.fixture(scope="module")
def emu() -> Iterator[AmoCrmEmulator]:
    options = EmulatorOptions(user_tokens=((USER_TOKEN, MANAGER_ID),))
    with AmoCrmEmulator(CONFIG, token=TOKEN, options=options) as emulator:
        yield emulator


def call(
    emu: AmoCrmEmulator, method: str, path: str, token: str = TOKEN, **kwargs: Any
) -> requests.Response:
    """One request to the emulator's API with a bearer token."""
    headers = {"Authorization": f"Bearer {token}"}
    return requests.request(
        method, f"{emu.base_url}/api/v4/{path}", headers=headers, timeout=10, **kwargs
    )


def contact_with_phone(emu: AmoCrmEmulator) -> tuple[int, str]:
    """A contact id and its phone number."""
    for contact_id, phones in emu.store.contact_phones():
        if phones:
            return contact_id, phones[0]
    raise AssertionError("the synthetic company has no contact with a phone")


# ---- users: admin only ----------------------------------------------------------------------


def test_users_needs_an_admin_token(emu: AmoCrmEmulator) -> None:
    assert emu.static.managers_by_id[MANAGER_ID].is_admin is False
    denied = call(emu, "GET", "users", token=USER_TOKEN)
    assert denied.status_code == 403
    assert denied.headers["Content-Type"].startswith("application/problem+json")
    assert denied.json()["status"] == 403
    assert call(emu, "GET", f"users/{MANAGER_ID}", token=USER_TOKEN).status_code == 403
    assert call(emu, "GET", "leads", token=USER_TOKEN).status_code == 200
    assert call(emu, "GET", "users").status_code == 200


# ---- GET /leads/unsorted --------------------------------------------------------------------


def test_unsorted_is_empty_then_paged(emu: AmoCrmEmulator) -> None:
    assert call(emu, "GET", "leads/unsorted").status_code == 204
    contact_id, _ = contact_with_phone(emu)
    uids = [
        emu.add_unsorted(category="forms", created_at=emu.now - 30, contact_ids=(contact_id,)),
        emu.add_unsorted(category="sip", created_at=emu.now - 20),
        emu.add_unsorted(category="forms", created_at=emu.now - 10),
    ]
    first = call(emu, "GET", "leads/unsorted", params={"limit": 2})
    assert first.status_code == 200
    assert first.headers["Content-Type"].startswith("application/hal+json")
    body = first.json()
    assert "_total_items" not in body and body["_page"] == 1 and "next" in body["_links"]
    page = body["_embedded"]["unsorted"]
    assert [item["uid"] for item in page] == uids[:2]
    assert page[0]["_embedded"]["contacts"][0]["id"] == contact_id
    assert page[0]["_embedded"]["contacts"][0]["_links"]["self"]["href"].endswith(
        f"/api/v4/contacts/{contact_id}"
    )
    last = requests.get(
        body["_links"]["next"]["href"], headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    ).json()
    assert [item["uid"] for item in last["_embedded"]["unsorted"]] == uids[2:]
    assert "next" not in last["_links"]
    beyond = call(emu, "GET", "leads/unsorted", params={"limit": 2, "page": 3})
    assert beyond.status_code == 204 and beyond.content == b""
    sip = call(emu, "GET", "leads/unsorted", params={"filter[category][]": "sip"})
    assert [item["uid"] for item in sip.json()["_embedded"]["unsorted"]] == [uids[1]]
    newest = call(emu, "GET", "leads/unsorted", params={"order[created_at]": "desc"})
    assert [item["uid"] for item in newest.json()["_embedded"]["unsorted"]] == uids[::-1]


# ---- POST /calls ----------------------------------------------------------------------------


def test_posted_calls_become_notes_and_events(emu: AmoCrmEmulator) -> None:
    contact_id, phone = contact_with_phone(emu)
    digits = "".join(ch for ch in phone if ch.isdigit())
    at = emu.now - 5
    calls = [
        {
            "direction": "inbound",
            "phone": "8" + digits[-10:],  # another prefix, same last 10 digits
            "duration": 42,
            "source": "pbx",
            "uniq": "call-1",
            "link": "https://example.test/1.mp3",
            "call_status": 4,
            "call_result": "Разговор состоялся",
            "responsible_user_id": MANAGER_ID,
            "created_at": at,
        },
        {"direction": "outbound", "phone": "+1 000 000 0000", "duration": 5, "source": "pbx"},
        {"direction": "outbound", "phone": digits, "duration": 7, "source": "pbx"},
        {"direction": "sideways", "phone": digits, "duration": 7, "source": "pbx"},
    ]
    response = call(emu, "POST", "calls", json=calls)
    assert response.status_code == 200, response.text
    body = response.json()
    added = body["_embedded"]["calls"]
    assert [item["request_id"] for item in added] == ["0", "2"]
    assert {item["entity_id"] for item in added} == {contact_id}
    assert [(e["index"], e["code"]) for e in body["errors"]] == [
        (1, "NotFound"),
        (3, "ValidationError"),
    ]
    assert body["errors"][0]["phone"] == "+1 000 000 0000"

    note = call(emu, "GET", f"contacts/{contact_id}/notes/{added[0]['id']}").json()
    assert note["note_type"] == "call_in" and note["created_at"] == at
    assert note["responsible_user_id"] == MANAGER_ID
    assert note["params"]["duration"] == 42 and note["params"]["call_status"] == 4
    assert note["params"]["uniq"] == "call-1"
    out_note = call(emu, "GET", f"contacts/notes/{added[1]['id']}").json()
    assert out_note["note_type"] == "call_out" and out_note["created_at"] == emu.now

    events = call(
        emu,
        "GET",
        "events",
        params={
            "filter[type]": "incoming_call,outgoing_call",
            "filter[entity]": "contact",
            "filter[entity_id]": contact_id,
            "filter[created_at][from]": at,
        },
    ).json()["_embedded"]["events"]
    by_note = {e["value_after"][0]["note"]["id"]: e["type"] for e in events}
    assert by_note[added[0]["id"]] == "incoming_call"
    assert by_note[added[1]["id"]] == "outgoing_call"


def test_posted_calls_need_a_json_list(emu: AmoCrmEmulator) -> None:
    response = call(emu, "POST", "calls", json={"direction": "inbound"})
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert call(emu, "POST", "leads", json=[]).status_code == 405


def test_simulation_goes_on_after_posted_calls(emu: AmoCrmEmulator) -> None:
    contact_id, phone = contact_with_phone(emu)
    posted = {"direction": "inbound", "phone": phone, "duration": 1, "source": "pbx"}
    assert call(emu, "POST", "calls", json=[posted]).json()["_embedded"]["calls"]
    assert emu.advance(days=1) == 1
    assert call(emu, "GET", "contacts/notes").status_code == 200
