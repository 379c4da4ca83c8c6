"""Raw and core suites: duplicated ids, bad timestamps, unknown enums, broken time order."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from quality_frames import on_duckdb, write_tables

from crm_kpi.quality.checking import SuiteOutcome, check_suite
from crm_kpi.quality.suites import all_suites, suite_for


def _check(warehouse: Path, table: str) -> SuiteOutcome:
    return check_suite(
        suite_for(table), on_duckdb(warehouse), warehouse.parent.parent / "data", "test"
    )


def _failed(outcome: SuiteOutcome) -> set[tuple[str, str | None]]:
    return {(f.expectation, f.column) for f in outcome.failures}


def test_every_suite_has_a_unique_table_and_only_marts_block() -> None:
    suites = all_suites()
    assert len({s.table for s in suites}) == len(suites)
    assert {s.table.split(".")[0] for s in suites if s.blocking} == {"marts"}
    marts = {s.table.split(".")[1] for s in suites if s.table.startswith("marts.")}
    assert len(marts - {"mart_manager_weekly"}) == 15  # catalogue section 4, and the weekly one


def test_raw_amocrm_notes_duplicates_bad_timestamps_and_unknown_types(warehouse: Path) -> None:
    notes = pd.DataFrame(
        {
            "account_id": [1, 1, 1],
            "id": [7, 7, 8],
            "entity_id": [100, 100, 101],
            "note_type": ["call_in", "call_in", "telepathy"],
            "created_at": [1_767_225_600, 1_767_225_600, 4_102_444_800],  # 2026, 2026, 2100
            "updated_at": [1_767_225_600, 1_767_225_600, None],
            "params": ["{}", "{}", "{}"],
        }
    )
    write_tables(warehouse, {"raw_amocrm.lead_notes": notes})
    outcome = _check(warehouse, "raw_amocrm.lead_notes")
    failed = _failed(outcome)
    assert ("expect_compound_columns_to_be_unique", "account_id,id") in failed
    assert ("expect_column_values_to_be_between", "created_at") in failed
    assert ("expect_column_values_to_be_in_set", "note_type") in failed
    [unknown] = [f for f in outcome.failures if f.column == "note_type"]
    assert unknown.sample == ["telepathy"]


def test_raw_checks_read_the_loads_after_the_last_passing_check(warehouse: Path) -> None:
    """A raw table's values are checked in the loads its last passing check has not read;
    its row count is the whole table's; a failed check is read again the next time."""

    def notes(rows: list[tuple[int, str, str]]) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "account_id": [1] * len(rows),
                "id": [row[0] for row in rows],
                "entity_id": [100] * len(rows),
                "note_type": [row[1] for row in rows],
                "created_at": [1_767_225_600] * len(rows),
                "updated_at": [1_767_225_600] * len(rows),
                "_dlt_load_id": [row[2] for row in rows],
            }
        )

    first = [(1, "call_in", "1.0"), (2, "common", "1.0")]
    write_tables(warehouse, {"raw_amocrm.lead_notes": notes(first)})
    outcome = _check(warehouse, "raw_amocrm.lead_notes")
    assert outcome.success and outcome.checked_since_load is None and outcome.rows == 2

    second = [*first, (3, "call_out", "2.0")]
    write_tables(warehouse, {"raw_amocrm.lead_notes": notes(second)})
    outcome = _check(warehouse, "raw_amocrm.lead_notes")
    assert outcome.success and outcome.checked_since_load == "1.0" and outcome.rows == 3
    again = _check(warehouse, "raw_amocrm.lead_notes")  # no newer load: nothing to read
    assert again.success and again.checked_since_load == "2.0"

    third = [*second, (4, "telepathy", "3.0")]
    write_tables(warehouse, {"raw_amocrm.lead_notes": notes(third)})
    for _ in range(2):  # not passing: the next check reads load 3.0 again
        outcome = _check(warehouse, "raw_amocrm.lead_notes")
        assert _failed(outcome) == {("expect_column_values_to_be_in_set", "note_type")}
        assert outcome.checked_since_load == "2.0"


def test_raw_checks_compare_loads_per_account(warehouse: Path) -> None:
    """Accounts load apart: a load of account 2 with an older id than account 1's load that
    was already checked is still read (and its bad row found)."""

    def notes(rows: list[tuple[int, int, str, str]]) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "account_id": [row[0] for row in rows],
                "id": [row[1] for row in rows],
                "entity_id": [100] * len(rows),
                "note_type": [row[2] for row in rows],
                "created_at": [1_767_225_600] * len(rows),
                "updated_at": [1_767_225_600] * len(rows),
                "_dlt_load_id": [row[3] for row in rows],
            }
        )

    first = [(1, 1, "call_in", "1.0"), (2, 1, "common", "1.1"), (1, 2, "common", "2.0")]
    write_tables(warehouse, {"raw_amocrm.lead_notes": notes(first)})
    assert _check(warehouse, "raw_amocrm.lead_notes").success

    late = [*first, (2, 2, "telepathy", "1.5")]  # account 2's load, extracted before 2.0
    write_tables(warehouse, {"raw_amocrm.lead_notes": notes(late)})
    outcome = _check(warehouse, "raw_amocrm.lead_notes")
    assert _failed(outcome) == {("expect_column_values_to_be_in_set", "note_type")}
    assert outcome.checked_since_load == "1.1"  # the oldest of the accounts' checked loads

    fixed = [*first, (2, 2, "common", "1.6")]
    write_tables(warehouse, {"raw_amocrm.lead_notes": notes(fixed)})
    assert _check(warehouse, "raw_amocrm.lead_notes").success
    new_account = [*fixed, (3, 1, "telepathy", "0.5")]  # never checked: every row is read
    write_tables(warehouse, {"raw_amocrm.lead_notes": notes(new_account)})
    outcome = _check(warehouse, "raw_amocrm.lead_notes")
    assert _failed(outcome) == {("expect_column_values_to_be_in_set", "note_type")}
    assert outcome.checked_since_load is None


def test_core_transitions_out_of_time_order_and_unknown_deals(warehouse: Path) -> None:
    transitions = pd.DataFrame(
        {
            "account_key": ["amocrm:1"] * 3,
            "deal_id": ["1", "1", "2"],
            "transition_seq": [1, 2, 1],
            "to_stage_id": ["a", "b", "a"],
            "changed_at": pd.to_datetime(["2026-01-02", "2026-01-01", "2026-01-01"]),
            "hours_in_from_stage": [1.0, 2.0, 0.0],
        }
    )
    deals = pd.DataFrame({"account_key": ["amocrm:1"], "deal_id": ["1"]})
    write_tables(
        warehouse,
        {"core.fct_deal_stage_transitions": transitions, "core.fct_deals": deals},
    )
    outcome = _check(warehouse, "core.fct_deal_stage_transitions")
    failed = _failed(outcome)
    assert ("expect_column_values_to_be_in_set", "is_in_time_order") in failed
    assert ("expect_column_values_to_be_in_set", "is_known") in failed
    [order] = [f for f in outcome.failures if f.column == "is_in_time_order"]
    assert order.sample_rows[0]["deal_id"] == "1" and order.sample_rows[0]["transition_seq"] == 2


def test_raw_bitrix24_cursor_from_the_future_and_duplicate_ids(warehouse: Path) -> None:
    deals = pd.DataFrame(
        {
            "portal": ["acme.bitrix24.ru"] * 3,
            "id": ["1", "1", "2"],
            "date_modify": pd.to_datetime(
                [
                    "2026-01-01T10:00:00+03:00",
                    "2026-01-01T10:00:00+03:00",
                    "2100-01-01T00:00:00+00:00",
                ],
                utc=True,
            ),
        }
    )
    write_tables(warehouse, {"raw_bitrix24.deals": deals})
    failed = _failed(_check(warehouse, "raw_bitrix24.deals"))
    assert ("expect_compound_columns_to_be_unique", "portal,id") in failed
    assert ("expect_column_values_to_be_between", "date_modify_epoch") in failed


def test_core_deals_need_a_creation_time_and_a_stage_unless_deleted(warehouse: Path) -> None:
    # deal 3 is known only from the bin, with no event: no creation time, pipeline or stage
    deals = pd.DataFrame(
        {
            "account_key": ["amocrm:1"] * 3,
            "deal_id": ["1", "2", "3"],
            "created_at": pd.to_datetime(["2026-01-01", None, None]),
            "created_date": pd.to_datetime(["2026-01-01", None, None]).date,
            "pipeline_id": ["10", "10", None],
            "stage_id": ["a", "a", None],
            "is_deleted": [False, False, True],
            "status": ["open"] * 3,
            "amount": [100.0, 5.0, None],
            "closed_at": pd.to_datetime([None] * 3),
            "closed_date": [None] * 3,
            "days_to_close": [None] * 3,
            "manager_id": ["7", "7", None],
        }
    )
    managers = pd.DataFrame({"account_key": ["amocrm:1"], "manager_id": ["7"]})
    write_tables(warehouse, {"core.fct_deals": deals, "core.dim_managers": managers})
    outcome = _check(warehouse, "core.fct_deals")
    assert _failed(outcome) == {
        ("expect_column_values_to_not_be_null", "created_at"),
        ("expect_column_values_to_not_be_null", "created_date"),
    }
    assert all(f.failed_rows == 1 for f in outcome.failures)  # deal 2, not the deleted deal 3
