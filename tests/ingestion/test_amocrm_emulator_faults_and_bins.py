"""The amoCRM emulator's fault kinds, slow pages, admin deletions, tags, sources and the bins
of contacts and companies."""

from __future__ import annotations

import dataclasses

import pytest
import requests
from amocrm_harness import COMPANY
from crm_kpi_emulators.amocrm import AmoCrmEmulator, EmulatorOptions
from crm_kpi_emulators.amocrm.responses import Request

TINY = dataclasses.replace(COMPANY, days=4)
AUTH = {"Authorization": "Bearer t"}


@pytest.mark.parametrize(
    ("kind", "outcome"),
    [("timeout", requests.ReadTimeout), ("reset", requests.ConnectionError), ("429", 429)],
)
def test_fault_kinds(kind: str, outcome: object) -> None:
    options = EmulatorOptions(fault_rate=1.0, fault_kinds=(kind,), fault_delay_s=0.6)
    with AmoCrmEmulator(TINY, token="t", options=options) as emu:
        url = f"{emu.base_url}/api/v4/leads"
        if isinstance(outcome, int):
            response = requests.get(url, headers=AUTH, timeout=5)
            assert response.status_code == outcome
            assert response.headers["Content-Type"].startswith("text/html")
            assert "Retry-After" not in response.headers
        else:
            with pytest.raises(outcome):  # type: ignore[call-overload]
                requests.get(url, headers=AUTH, timeout=0.3)
        # the OAuth endpoint is not part of the fault injection
        assert requests.post(f"{emu.base_url}/oauth2/access_token", json={}).status_code == 401


def test_slow_pages_of_250() -> None:
    options = EmulatorOptions(slow_page_s=0.4)
    with AmoCrmEmulator(TINY, token="t", options=options) as emu:

        def delay(query: str) -> float:
            request = Request("GET", "/api/v4/leads", query, {"Authorization": "Bearer t"})
            return emu.answer(request).delay_s

        assert delay("limit=250") == 0.4
        assert delay("limit=50") == 0.0


def test_admin_deletion_and_restoration_with_events() -> None:
    with AmoCrmEmulator(TINY, token="t") as emu:
        base = f"{emu.base_url}/api/v4"
        lead_id = requests.get(f"{base}/leads?limit=1", headers=AUTH).json()["_embedded"]["leads"][
            0
        ]["id"]
        assert emu.delete_lead(lead_id) and not emu.delete_lead(lead_id)
        assert requests.get(f"{base}/leads/{lead_id}", headers=AUTH).status_code == 204
        trash = requests.get(f"{base}/leads?with=only_deleted&limit=250", headers=AUTH).json()
        assert lead_id in {lead["id"] for lead in trash["_embedded"]["leads"]}
        assert emu.restore_lead(lead_id)
        assert requests.get(f"{base}/leads/{lead_id}", headers=AUTH).status_code == 200
        events = requests.get(
            f"{base}/events?filter[entity]=lead&filter[entity_id]={lead_id}"
            "&filter[type]=lead_deleted,lead_restored",
            headers=AUTH,
        ).json()["_embedded"]["events"]
        assert sorted(event["type"] for event in events)[-2:] == ["lead_deleted", "lead_restored"]


def test_tags_sources_and_empty_bins() -> None:
    with AmoCrmEmulator(TINY, token="t") as emu:
        base = f"{emu.base_url}/api/v4"
        tags = requests.get(f"{base}/leads/tags", headers=AUTH).json()["_embedded"]["tags"]
        assert tags and {"id", "name", "color"} <= set(tags[0])
        assert requests.get(f"{base}/contacts/tags", headers=AUTH).status_code == 204
        sources = requests.get(f"{base}/sources", headers=AUTH).json()
        assert sources["_total_items"] == len(sources["_embedded"]["sources"]) > 0
        for entity in ("contacts", "companies"):
            bin_ = requests.get(f"{base}/{entity}?with=only_deleted", headers=AUTH)
            assert bin_.status_code == 204
        lead = requests.get(f"{base}/leads?limit=1", headers=AUTH).json()["_embedded"]["leads"][0]
        assert lead["_embedded"]["tags"][0]["name"] in {tag["name"] for tag in tags}
        select = [f for f in lead["custom_fields_values"] if f["field_type"] == "select"]
        assert select and select[0]["values"][0]["enum_id"]
