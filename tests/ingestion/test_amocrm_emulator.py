"""The amoCRM emulator speaks API v4 the way the reference describes it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from crm_kpi_emulators.amocrm import AmoCrmEmulator
from crm_kpi_emulators.synthetic import CompanyConfig

TOKEN = "test-token"
CONFIG = CompanyConfig(start_date=dt.date(2026, 7, 1), days=70, deals_per_day=6.0)
EVENT_ID = re.compile(r"^[0-9a-hjkmnp-tv-z]{26}$")


@pytest.fixture(scope="module")
def emu() -> Iterator[AmoCrmEmulator]:
    with AmoCrmEmulator(CONFIG, token=TOKEN, host="127.0.0.1", port=0) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {TOKEN}"
        yield session


def get(http: requests.Session, emu: AmoCrmEmulator, path: str, **params: Any):
    return http.get(f"{emu.base_url}/api/v4/{path}", params=params, timeout=10)


def items(response: requests.Response, key: str) -> list[dict[str, Any]]:
    assert response.status_code == 200, (response.status_code, response.text[:300])
    return response.json()["_embedded"][key]


def walk(http: requests.Session, emu: AmoCrmEmulator, path: str, key: str, **params: Any):
    """Every item of a list, following ``_links.next`` until it is absent."""
    response = get(http, emu, path, **params)
    collected, pages = [], 0
    while response.status_code == 200:
        body = response.json()
        collected += body["_embedded"][key]
        pages += 1
        if "next" not in body["_links"]:
            break
        response = http.get(body["_links"]["next"]["href"], timeout=10)
    assert response.status_code in (200, 204)
    return collected, pages


def ids(records: list[dict[str, Any]]) -> list[Any]:
    return [record["id"] for record in records]


# ---- transport, auth, envelope -------------------------------------------------------------


def test_bearer_token_is_required(emu: AmoCrmEmulator) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        response = requests.get(f"{emu.base_url}/api/v4/leads", headers=headers, timeout=10)
        assert response.status_code == 401
        assert response.headers["Content-Type"].startswith("application/problem+json")
        assert response.json()["title"] == "Unauthorized" and response.json()["status"] == 401


def test_list_envelope_and_links_on_the_request_host(emu, http) -> None:
    response = http.get(
        f"{emu.base_url}/api/v4/leads",
        params={"limit": 2, "page": 2},
        headers={"Host": "demo.amocrm.ru"},
        timeout=10,
    )
    assert response.headers["Content-Type"].startswith("application/hal+json")
    body = response.json()
    assert body["_page"] == 2 and set(body) == {"_page", "_links", "_embedded"}
    links = body["_links"]
    assert links["self"]["href"] == "http://demo.amocrm.ru/api/v4/leads?limit=2&page=2"
    assert links["next"]["href"] == "http://demo.amocrm.ru/api/v4/leads?limit=2&page=3"
    assert links["prev"]["href"].endswith("page=1") and "first" in links
    lead = body["_embedded"]["leads"][0]
    assert lead["_links"]["self"]["href"] == f"http://demo.amocrm.ru/api/v4/leads/{lead['id']}"


def test_pages_end_without_next_and_past_the_end_is_an_empty_204(emu, http) -> None:
    deleted, _ = walk(http, emu, "leads", "leads", limit=250, **{"with": "only_deleted"})
    total = emu.store.counts()["leads"] - len(deleted)
    leads, pages = walk(http, emu, "leads", "leads", limit=50)
    assert len(leads) == len(set(ids(leads))) == total
    assert pages == -(-total // 50)
    past = get(http, emu, "leads", limit=50, page=pages + 1)
    assert past.status_code == 204 and past.content == b""
    assert "Content-Type" not in past.headers
    nothing = get(http, emu, "leads", **{"filter[id]": 1})
    assert nothing.status_code == 204 and nothing.content == b""


def test_limit_defaults_to_50_and_is_clamped_to_250(emu, http) -> None:
    assert len(items(get(http, emu, "leads/notes"), "notes")) == 50
    assert len(items(get(http, emu, "leads/notes", limit=1000), "notes")) == 250
    assert len(items(get(http, emu, "events", limit=251), "events")) == 250
    assert get(http, emu, "leads", limit="x").status_code == 400


def test_get_by_id(emu, http) -> None:
    lead = items(get(http, emu, "leads", limit=1), "leads")[0]
    response = get(http, emu, f"leads/{lead['id']}", **{"with": "contacts"})
    assert response.status_code == 200 and response.json()["id"] == lead["id"]
    assert response.json()["_embedded"]["contacts"]
    missing = get(http, emu, "leads/1")
    assert missing.status_code == 204 and missing.content == b""
    assert get(http, emu, "no/such/thing").status_code == 404


# ---- filters and order ---------------------------------------------------------------------


def test_id_filter_accepts_every_array_form(emu, http) -> None:
    first, second = ids(items(get(http, emu, "leads", limit=2, page=3), "leads"))
    base = f"{emu.base_url}/api/v4/leads?"
    forms = [
        f"filter[id]={first},{second}",
        f"filter[id][]={first}&filter[id][]={second}",
        f"filter[id][0]={first}&filter[id][1]={second}",
        f"filter[id]={first}&filter[id]={second}",
    ]
    for form in forms:
        response = http.get(base + form, timeout=10)
        assert sorted(ids(items(response, "leads"))) == sorted([first, second]), form


def test_updated_at_ranges_are_inclusive_and_a_bare_value_means_since(emu, http) -> None:
    leads, _ = walk(http, emu, "leads", "leads", limit=250)
    moments = sorted(lead["updated_at"] for lead in leads)
    low, high = moments[len(moments) // 3], moments[2 * len(moments) // 3]
    window, _ = walk(
        http,
        emu,
        "leads",
        "leads",
        limit=250,
        **{"filter[updated_at][from]": low, "filter[updated_at][to]": high},
    )
    assert sorted(lead["updated_at"] for lead in window) == [m for m in moments if low <= m <= high]
    since, _ = walk(http, emu, "leads", "leads", limit=250, **{"filter[updated_at]": high})
    assert len(since) == sum(1 for m in moments if m >= high)
    created = [lead["created_at"] for lead in leads]
    from_only, _ = walk(http, emu, "leads", "leads", limit=250, **{"filter[created_at][from]": low})
    assert len(from_only) == sum(1 for c in created if c >= low)


def test_orders(emu, http) -> None:
    for field in ("updated_at", "created_at", "id"):
        for direction in ("asc", "desc"):
            page = items(
                get(http, emu, "leads", limit=100, **{f"order[{field}]": direction}), "leads"
            )
            values = [lead[field] for lead in page]
            assert values == sorted(values, reverse=direction == "desc"), (field, direction)
    assert get(http, emu, "leads", **{"order[price]": "asc"}).status_code == 400
    tasks = items(get(http, emu, "tasks", limit=100, **{"order[complete_till]": "desc"}), "tasks")
    deadlines = [task["complete_till"] for task in tasks]
    assert deadlines == sorted(deadlines, reverse=True)


def test_events_filters(emu, http) -> None:
    events = items(get(http, emu, "events", limit=250), "events")
    times = [event["created_at"] for event in events]
    assert times == sorted(times, reverse=True), "newest first by default"
    low, high = times[-1], times[len(times) // 2]
    for params in (
        {"filter[created_at]": f"{low},{high}"},
        {"filter[created_at][from]": low, "filter[created_at][to]": high},
    ):
        window, _ = walk(http, emu, "events", "events", limit=250, **params)
        assert window and all(low <= event["created_at"] <= high for event in window)
    since, _ = walk(http, emu, "events", "events", limit=250, **{"filter[created_at]": high})
    assert since and all(event["created_at"] >= high for event in since)
    calls = items(
        http.get(
            f"{emu.base_url}/api/v4/events?filter[type][]=incoming_call&filter[type][]=outgoing_call"
            "&filter[entity]=lead&limit=250",
            timeout=10,
        ),
        "events",
    )
    assert {e["type"] for e in calls} == {"incoming_call", "outgoing_call"}
    assert {e["entity_type"] for e in calls} == {"lead"}
    main_pipeline = emu.static.main_pipeline.id
    wins = items(
        get(
            http,
            emu,
            "events",
            limit=250,
            **{
                "filter[value_after][leads_statuses][0][pipeline_id]": main_pipeline,
                "filter[value_after][leads_statuses][0][status_id]": 142,
            },
        ),
        "events",
    )
    assert {e["value_after"][0]["lead_status"]["id"] for e in wins} == {142}
    bad = get(http, emu, "events", **{"filter[entity_id]": 1})
    assert bad.status_code == 400 and bad.headers["Content-Type"].startswith("application/problem")


# ---- entities ------------------------------------------------------------------------------


def test_account_users_and_pipelines(emu, http) -> None:
    account = get(http, emu, "account", **{"with": "datetime_settings,users_groups,task_types"})
    body = account.json()
    assert body["id"] == emu.account_id and body["subdomain"] == emu.subdomain
    assert "currency" not in body  # as in the official example (EmulatorOptions.account_currency)
    embedded = body["_embedded"]
    assert embedded["datetime_settings"]["timezone"] == "Europe/Moscow"
    assert len(embedded["users_groups"]) == 2
    type_ids = {task_type["id"]: task_type["code"] for task_type in embedded["task_types"]}
    assert type_ids[1] == "FOLLOW_UP" and type_ids[2] == "MEETING" and max(type_ids) > 2
    users = get(http, emu, "users", limit=5)
    body = users.json()
    assert body["_total_items"] == 8 and body["_page_count"] == 2 and "next" in body["_links"]
    everyone = items(get(http, emu, "users"), "users")
    groups = {group["id"] for group in embedded["users_groups"]}
    assert all(user["rights"]["group_id"] in groups for user in everyone)
    assert all(
        user["_embedded"]["groups"][0]["id"] == user["rights"]["group_id"] for user in everyone
    )
    assert any(not user["rights"]["is_active"] for user in everyone)
    pipelines = get(http, emu, "leads/pipelines").json()
    assert pipelines["_total_items"] == 2
    for pipeline in pipelines["_embedded"]["pipelines"]:
        statuses = pipeline["_embedded"]["statuses"]
        assert {142, 143} <= {status["id"] for status in statuses}
        assert [s["name"] for s in statuses if s["type"] == 1] == ["Неразобранное"]


def test_leads_fields_with_contacts_and_loss_reason(emu, http) -> None:
    leads, _ = walk(http, emu, "leads", "leads", limit=250, **{"with": "contacts,loss_reason"})
    for lead in leads:
        assert isinstance(lead["price"], int) and lead["is_deleted"] is False
        assert {"closest_task_at", "score", "loss_reason_id", "closed_at"} <= set(lead)
        closed = lead["status_id"] in (142, 143)
        assert (lead["closed_at"] is not None) == closed
        assert (lead["loss_reason_id"] is not None) == (lead["status_id"] == 143)
        contacts = lead["_embedded"]["contacts"]
        assert contacts and contacts[0]["is_main"] is True
        assert all(not c["is_main"] for c in contacts[1:])
        reasons = lead["_embedded"]["loss_reason"]
        assert [r["id"] for r in reasons] == (
            [lead["loss_reason_id"]] if closed and reasons else []
        )
        (utm,) = [f for f in lead["custom_fields_values"] if f["field_code"] == "UTM_SOURCE"]
        assert utm["field_name"] and utm["values"][0]["value"]
    lost = [lead for lead in leads if lead["status_id"] == 143]
    assert lost and all(lead["_embedded"]["loss_reason"] for lead in lost)
    plain = items(get(http, emu, "leads", limit=5), "leads")
    assert all("contacts" not in lead["_embedded"] for lead in plain)


def test_reopened_leads_have_no_closed_at(emu, http) -> None:
    moves, _ = walk(
        http, emu, "events", "events", limit=250, **{"filter[type]": "lead_status_changed"}
    )
    reopened = {
        e["entity_id"] for e in moves if e["value_before"][0]["lead_status"]["id"] in (142, 143)
    }
    assert reopened
    leads = items(get(http, emu, "leads", **{"filter[id]": ",".join(map(str, reopened))}), "leads")
    assert leads
    for lead in leads:
        assert (lead["status_id"] in (142, 143)) == (lead["closed_at"] is not None)


def test_only_deleted_leads(emu, http) -> None:
    deleted, _ = walk(http, emu, "leads", "leads", **{"with": "only_deleted"})
    assert deleted and all(lead["is_deleted"] is True for lead in deleted)
    assert {"id", "updated_at", "is_deleted"} <= set(deleted[0])
    visible, _ = walk(http, emu, "leads", "leads", limit=250)
    assert not set(ids(deleted)) & set(ids(visible))
    events, _ = walk(http, emu, "events", "events", limit=250, **{"filter[type]": "lead_deleted"})
    assert set(ids(deleted)) <= {event["entity_id"] for event in events}


def test_contacts_and_companies(emu, http) -> None:
    contacts = items(get(http, emu, "contacts", limit=250, **{"with": "leads"}), "contacts")
    # Most contacts have a lead; one whose only lead was deleted has none (as in amoCRM).
    assert sum(bool(contact["_embedded"]["leads"]) for contact in contacts[:50]) >= 45
    codes = {f["field_code"] for c in contacts for f in (c["custom_fields_values"] or [])}
    assert codes == {"PHONE", "EMAIL"}
    phone = next(f for f in contacts[0]["custom_fields_values"] if f["field_code"] == "PHONE")
    assert {"value", "enum_id", "enum_code"} <= set(phone["values"][0])
    companies = items(get(http, emu, "companies", limit=250), "companies")
    assert any(company["custom_fields_values"] is None for company in companies)


def test_tasks(emu, http) -> None:
    tasks, _ = walk(http, emu, "tasks", "tasks", limit=250)
    assert {task["task_type_id"] for task in tasks} == {1, 2, 3}
    assert {task["entity_type"] for task in tasks} == {"leads"}
    assert any(task["duration"] > 0 for task in tasks if task["task_type_id"] == 2)
    open_tasks, _ = walk(http, emu, "tasks", "tasks", limit=250, **{"filter[is_completed]": 0})
    assert open_tasks and not any(task["is_completed"] for task in open_tasks)
    overdue = [t for t in open_tasks if t["complete_till"] < emu.now]
    assert overdue
    meetings = items(get(http, emu, "tasks", **{"filter[task_type][]": 2}), "tasks")
    assert {task["task_type_id"] for task in meetings} == {2}


def test_notes_and_their_events(emu, http) -> None:
    calls = items(
        get(
            http, emu, "leads/notes", limit=250, **{"filter[note_type][]": ["call_in", "call_out"]}
        ),
        "notes",
    )
    assert {note["note_type"] for note in calls} == {"call_in", "call_out"}
    for note in calls:
        params = note["params"]
        assert {"uniq", "duration", "source", "link", "phone", "call_status", "call_result"} <= set(
            params
        )
        assert 1 <= params["call_status"] <= 7
        assert (params["duration"] > 0) == (params["call_status"] in (1, 2, 4))
    covered = [note for note in calls if note["responsible_user_id"] != note["created_by"]]
    assert 0 < len(covered) < len(calls) / 5  # a colleague's call: caller vs the lead's owner
    statuses = {note["params"]["call_status"] for note in calls}
    assert {4, 6} <= statuses
    mails = items(
        get(http, emu, "leads/notes", **{"filter[note_type][]": "amomail_message"}), "notes"
    )
    assert all(isinstance(note["params"]["income"], bool) for note in mails)
    assert {"subject", "from", "to"} <= set(mails[0]["params"])
    common = items(get(http, emu, "contacts/notes", limit=250), "notes")
    assert {note["entity_type"] for note in common} == {"contacts"}
    note = calls[0]
    event_type = "incoming_call" if note["note_type"] == "call_in" else "outgoing_call"
    events = items(
        get(http, emu, "events", **{"filter[type]": event_type, "filter[entity]": "lead",
                                     "filter[entity_id]": note["entity_id"]}),
        "events",
    )  # fmt: skip
    assert {"note": {"id": note["id"]}} in [event["value_after"][0] for event in events]
    by_entity = get(http, emu, f"leads/{note['entity_id']}/notes")
    assert note["id"] in ids(items(by_entity, "notes"))


def test_event_shapes(emu, http) -> None:
    events, _ = walk(http, emu, "events", "events", limit=250)
    kinds = {event["type"] for event in events}
    assert {
        "lead_added",
        "lead_status_changed",
        "entity_responsible_changed",
        "incoming_call",
        "outgoing_call",
        "task_completed",
        "lead_deleted",
        "lead_restored",
    } <= kinds
    assert len(set(ids(events))) == len(events)
    for event in events:
        assert EVENT_ID.match(event["id"]), event["id"]
        assert event["entity_type"] in ("lead", "contact", "task")
        assert event["_embedded"]["entity"]["id"] == event["entity_id"]
        after, before = event["value_after"], event["value_before"]
        if event["type"] == "lead_status_changed":
            for value in (after, before):
                assert set(value[0]["lead_status"]) == {"id", "pipeline_id"}
        elif event["type"] == "entity_responsible_changed":
            assert set(after[0]) == {"responsible_user"} and set(before[0]) == {"responsible_user"}
        elif event["type"] in ("incoming_call", "outgoing_call", "lead_added", "common_note_added"):
            assert set(after[0]["note"]) == {"id"} and before == []
        elif event["type"] in ("task_completed", "task_added", "lead_deleted", "lead_restored"):
            assert after == [] and before == []
    completed = [event for event in events if event["type"] == "task_completed"]
    assert {event["entity_type"] for event in completed} == {"task"}


# ---- the clock -----------------------------------------------------------------------------


def test_advance_adds_only_newer_records() -> None:
    config = CompanyConfig(seed=3, start_date=dt.date(2026, 7, 1), days=20, deals_per_day=6.0)
    with AmoCrmEmulator(config, token=TOKEN) as emulator, requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {TOKEN}"
        before_now = emulator.now
        snapshots = {}
        for path, key in (("leads", "leads"), ("contacts", "contacts"), ("tasks", "tasks")):
            rows, _ = walk(session, emulator, path, key, limit=250)
            snapshots[key] = {row["id"]: row["updated_at"] for row in rows}
            assert max(snapshots[key].values()) < before_now
        emulator.reset_request_log()
        emulator.advance(days=2)
        assert emulator.now > before_now and emulator.request_log == []
        for path, key in (("leads", "leads"), ("contacts", "contacts"), ("tasks", "tasks")):
            rows, _ = walk(
                session, emulator, path, key, limit=250, **{"filter[updated_at][from]": before_now}
            )
            assert rows, key
            for row in rows:
                assert before_now <= row["updated_at"] < emulator.now
                assert row["updated_at"] > snapshots[key].get(row["id"], 0)
            everything, _ = walk(session, emulator, path, key, limit=250)
            unchanged = {row["id"] for row in everything} - {row["id"] for row in rows}
            assert all(
                row["updated_at"] < before_now for row in everything if row["id"] in unchanged
            )
        events, _ = walk(
            session, emulator, "events", "events", **{"filter[created_at][from]": before_now}
        )
        assert events and all(event["created_at"] >= before_now for event in events)
        log = emulator.request_log
        assert log and all(len(entry) == 4 for entry in log)
        method, path, query, status = log[0]
        assert (method, path, status) == ("GET", "/api/v4/leads", 200)
        assert "filter%5Bupdated_at%5D%5Bfrom%5D" in query or "filter[updated_at][from]" in query
