"""The CSV inputs (sales plan, marketing spend): row-level validation and the dlt load."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import dlt
import duckdb
import pytest
from crm_kpi_emulators.synthetic.calendar import WorkCalendar
from crm_kpi_emulators.synthetic.config import CompanyConfig
from crm_kpi_emulators.synthetic.inputs import write_input_files
from crm_kpi_emulators.synthetic.static import build_static

from crm_kpi.sources.inputs import _report, inputs_source
from crm_kpi.sources.inputs.managers import KnownManagers, managers_from_warehouse
from crm_kpi.sources.inputs.validation import (
    InputFileError,
    ParsedInput,
    Rejection,
    parse_marketing_spend,
    parse_sales_plan,
)
from crm_kpi.warehouse import Warehouse

ACCOUNT = "amocrm:1"

PLAN = """account_key,manager_id,manager_email,month,metric,target
amocrm:1,501,,2025-01,revenue,100000
amocrm:1,,Boris@Example.com,2025-01,deals_won,5
amocrm:1,999,,2025-01,revenue,1
amocrm:1,,nobody@example.com,2025-01,revenue,1
amocrm:1,501,,2025-01,happiness,1
amocrm:1,501,,2025-01,calls_total,-5
amocrm:1,501,,January,calls_total,5
amocrm:1,501,,2025-13,calls_total,5
amocrm:1,501,,2025-01,revenue,200000

amocrm:1,501,,2025-02,calls_total,12.5
"""

SPEND = """account_key,lead_source,month,spend
amocrm:1,yandex_direct,2025-01,1000.50
amocrm:1,google,2025-01,abc
amocrm:1,seo,2025-01,-1
amocrm:1,yandex_direct,2025-01,5
amocrm:1,,2025-01,5
amocrm:1,seo,2025/01,5
"""


@pytest.fixture
def managers() -> KnownManagers:
    known = KnownManagers()
    known.add(ACCOUNT, "501", "anna@example.com")
    known.add(ACCOUNT, "502", "boris@example.com")
    return known


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    plan = tmp_path / "plan.csv"
    spend = tmp_path / "spend.csv"
    plan.write_text(PLAN, encoding="utf-8")
    spend.write_text(SPEND, encoding="utf-8")
    return plan, spend


def test_sales_plan_rejects_bad_rows_with_file_line_and_reason(files, managers) -> None:
    plan, _ = files
    parsed = parse_sales_plan(plan, managers)
    assert [(row["manager_id"], row["metric"], row["target"]) for row in parsed.rows] == [
        ("501", "revenue", Decimal("100000.00")),
        ("502", "deals_won", Decimal("5.00")),
        ("501", "calls_total", Decimal("12.50")),
    ]
    assert parsed.rows[1]["manager_email"] == "boris@example.com"
    assert parsed.rows[-1]["source_line"] == 12  # the blank line 11 is skipped
    reasons = {rejection.line: rejection.reason for rejection in parsed.rejections}
    assert set(reasons) == {4, 5, 6, 7, 8, 9, 10}
    assert "unknown manager_id '999'" in reasons[4]
    assert "unknown manager_email 'nobody@example.com'" in reasons[5]
    assert "unknown metric 'happiness'" in reasons[6]
    assert "negative target" in reasons[7]
    assert "unparsable month 'January'" in reasons[8]
    assert "unparsable month '2025-13'" in reasons[9]
    assert "duplicate target" in reasons[10] and "line 2" in reasons[10]
    assert str(parsed.rejections[0]).startswith(f"{plan}, line 4: ")


def test_sales_plan_without_known_managers_skips_the_manager_check(files) -> None:
    plan, _ = files
    parsed = parse_sales_plan(plan, None)
    assert {row["source_line"] for row in parsed.rows} >= {2, 3, 4, 5}
    assert parsed.rows[1]["manager_id"] is None  # e-mail kept for dbt to resolve


def test_marketing_spend_rejects_bad_rows(files) -> None:
    _, spend = files
    parsed = parse_marketing_spend(spend)
    assert [(row["lead_source"], row["spend"]) for row in parsed.rows] == [
        ("yandex_direct", Decimal("1000.50"))
    ]
    reasons = {rejection.line: rejection.reason for rejection in parsed.rejections}
    assert "not a number" in reasons[3]
    assert "negative spend" in reasons[4]
    assert "duplicate spend" in reasons[5]
    assert "empty lead_source" in reasons[6]
    assert "unparsable month" in reasons[7]


def test_a_file_without_the_required_columns_fails_as_a_whole(tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_text("account_key,month,target\namocrm:1,2025-01,5\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="missing column.*metric"):
        parse_sales_plan(path)


def _load(tmp_path: Path, plan: Path | None, spend: Path | None, managers, previous=None) -> Path:
    warehouse = tmp_path / "wh.duckdb"
    pipeline = dlt.pipeline(
        pipeline_name="test_inputs",
        destination=dlt.destinations.duckdb(str(warehouse)),
        dataset_name="raw_inputs",
        pipelines_dir=str(tmp_path / "dlt"),
    )
    pipeline.run(
        inputs_source(
            sales_plan_path=plan, marketing_spend_path=spend, managers=managers, previous=previous
        ),
        loader_file_format="parquet",
    )
    return warehouse


def test_good_rows_load_and_rejections_are_kept_and_reruns_replace(tmp_path, files, managers):
    plan, spend = files
    warehouse = _load(tmp_path, plan, spend, managers)
    warehouse = _load(tmp_path, plan, spend, managers)  # a second run replaces, not appends
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        plan_rows = connection.execute(
            "select manager_id, month, metric, target from raw_inputs.sales_plan"
            " order by source_line"
        ).fetchall()
        spend_rows = connection.execute(
            "select lead_source, month, spend from raw_inputs.marketing_spend"
        ).fetchall()
        rejections = connection.execute(
            "select input_table, source_line, reason from raw_inputs.input_rejections"
        ).fetchall()
    assert plan_rows == [
        ("501", "2025-01", "revenue", Decimal("100000.00")),
        ("502", "2025-01", "deals_won", Decimal("5.00")),
        ("501", "2025-02", "calls_total", Decimal("12.50")),
    ]
    assert spend_rows == [("yandex_direct", "2025-01", Decimal("1000.50"))]
    assert sorted((table, line) for table, line, _ in rejections) == sorted(
        [("sales_plan", line) for line in range(4, 11)]
        + [("marketing_spend", line) for line in range(3, 8)]
    )


def test_missing_files_load_nothing_the_first_time(tmp_path: Path) -> None:
    warehouse = _load(tmp_path, tmp_path / "absent.csv", None, None)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        tables = {
            name
            for (name,) in connection.execute(
                "select table_name from information_schema.tables where table_schema = 'raw_inputs'"
            ).fetchall()
        }
        # dlt creates no table for a resource that yielded nothing; dbt staging reads a missing
        # table as an empty relation (fill_source_columns).
        for table in {"sales_plan", "marketing_spend"} & tables:
            count = connection.execute(f"select count(*) from raw_inputs.{table}").fetchone()[0]
            assert count == 0, table
        reasons = connection.execute("select reason from raw_inputs.input_rejections").fetchall()
    assert reasons == [(f"no file at {tmp_path / 'absent.csv'}",)]


def test_managers_are_read_from_the_warehouse(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh.duckdb"
    assert managers_from_warehouse(Warehouse(url=f"duckdb:///{warehouse}")) is None
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create schema raw_amocrm")
        connection.execute(
            "create table raw_amocrm.users as select 1 as account_id, 501 as id, 'A@x.ru' as email"
        )
    known = managers_from_warehouse(Warehouse(url=f"duckdb:///{warehouse}"))
    assert known is not None
    assert known.resolve("amocrm:1", None, "a@x.ru") == "501"
    with pytest.raises(ValueError, match="unknown account"):
        known.resolve("amocrm:2", "501", None)


def test_synthetic_company_files_are_valid(tmp_path: Path) -> None:
    config = CompanyConfig(seed=7, managers=3, teams=1, days=40, start_date=dt.date(2025, 1, 20))
    accounts = [(f"amocrm:{config.account_id}", False), ("bitrix24:demo.bitrix24.ru", True)]
    written = write_input_files(config, tmp_path, accounts)
    static = build_static(config, WorkCalendar(config.start_date, config.timezone, config.seed))
    known = KnownManagers()
    for manager in static.managers:
        known.add(f"amocrm:{config.account_id}", str(manager.id), manager.email)
        known.add("bitrix24:demo.bitrix24.ru", f"b{manager.id}", manager.email)
    plan = parse_sales_plan(written.sales_plan, known)
    spend = parse_marketing_spend(written.marketing_spend)
    assert not plan.rejections and not spend.rejections
    assert {row["month"] for row in plan.rows} == {"2025-01", "2025-02"}
    assert {row["metric"] for row in plan.rows} >= {"revenue", "deals_won", "calls_total"}
    assert any(row["manager_email"] for row in plan.rows)  # some managers named by e-mail
    bitrix_rows = [row for row in plan.rows if row["account_key"].startswith("bitrix24:")]
    assert bitrix_rows and all(row["manager_id"].startswith("b") for row in bitrix_rows)
    assert {row["account_key"] for row in spend.rows} == {
        f"amocrm:{config.account_id}",
        "bitrix24:demo.bitrix24.ru",
    }
    assert {row["lead_source"] for row in spend.rows} <= {s.code for s in static.lead_sources}
    again = write_input_files(config, tmp_path / "again", accounts)
    assert again.sales_plan.read_text() == (written.sales_plan.read_text())


def _previous(warehouse: Path):
    from crm_kpi.sources.inputs import MARKETING_SPEND_COLUMNS, SALES_PLAN_COLUMNS
    from crm_kpi.sources.inputs.previous import last_good_rows

    columns = {"sales_plan": list(SALES_PLAN_COLUMNS)}
    columns["marketing_spend"] = list(MARKETING_SPEND_COLUMNS)
    return last_good_rows(Warehouse(url=f"duckdb:///{warehouse}"), columns)


def _count(warehouse: Path, table: str) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(f"select count(*) from raw_inputs.{table}").fetchone()[0]


@pytest.mark.parametrize("broken", ["missing", "directory", "huge_field"])
def test_an_unreadable_file_keeps_the_last_good_load_and_warns(
    tmp_path: Path, files, managers, broken: str, caplog
) -> None:
    plan, spend = files
    warehouse = _load(tmp_path, plan, spend, managers)
    assert _count(warehouse, "sales_plan") == 3
    plan.unlink()
    if broken == "directory":
        plan.mkdir()
    elif broken == "huge_field":
        plan.write_text(PLAN.replace("happiness", "x" * 200_000), encoding="utf-8")
    with caplog.at_level("WARNING", logger="crm_kpi.ingestion.inputs"):
        _load(tmp_path, plan, spend, managers, previous=_previous(warehouse))
    assert _count(warehouse, "sales_plan") == 3  # not silently emptied
    assert _count(warehouse, "marketing_spend") == 1
    [warning] = [r.getMessage() for r in caplog.records if "last good" in r.getMessage()]
    assert str(plan) in warning and "keeping the last good load (3 rows)" in warning
    if broken == "huge_field":
        assert "line 6" in warning and "field larger than field limit" in warning
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        reasons = connection.execute(
            "select reason from raw_inputs.input_rejections where input_table = 'sales_plan'"
        ).fetchall()
    assert len(reasons) == 1 and str(plan) in reasons[0][0]


def test_thousands_separators_and_unknown_accounts_are_rejected_rows(tmp_path: Path, managers):
    spend = tmp_path / "spend.csv"
    spend.write_text(
        "account_key,lead_source,month,spend\n"
        "amocrm:1,seo,2025-01,1000\n"
        'amocrm:1,google,2025-01,"1,000"\n'
        'amocrm:1,ads,2025-01,"1000,50"\n'
        "amocrm:404,seo,2025-01,10\n",
        encoding="utf-8",
    )
    parsed = parse_marketing_spend(spend, accounts=set(managers.ids))
    assert [(r["lead_source"], r["spend"]) for r in parsed.rows] == [
        ("seo", Decimal("1000.00")),
        ("ads", Decimal("1000.50")),
    ]
    reasons = {rejection.line: rejection.reason for rejection in parsed.rejections}
    assert "ambiguous" in reasons[3] and "'1,000'" in reasons[3]
    assert "unknown account 'amocrm:404'" in reasons[5]


def test_an_input_never_loaded_and_absent_is_not_a_warning(tmp_path: Path, caplog) -> None:
    with caplog.at_level("WARNING", logger="crm_kpi.ingestion.inputs"):
        warehouse = _load(tmp_path, tmp_path / "absent.csv", None, None, previous=lambda _: [])
    assert not [r for r in caplog.records if r.levelname == "WARNING"]
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        tables = {row[0] for row in connection.execute("show all tables").fetchall()}
    assert "input_rejections" not in tables or _count(warehouse, "input_rejections") == 0


def test_many_rejections_log_one_line_per_reason_and_count_the_rest(caplog) -> None:
    rejections = [Rejection("plan.csv", line, "unknown account 'b:1'") for line in range(2, 122)]
    rejections += [Rejection("plan.csv", 200 + n, f"bad month '{n}'") for n in range(25)]
    with caplog.at_level("WARNING", logger="crm_kpi.ingestion.inputs"):
        _report("sales_plan", Path("plan.csv"), ParsedInput(rows=[], rejections=rejections))
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 21
    assert warnings[0] == (
        "sales_plan rejected 120 lines of plan.csv (lines 2, 3, 4, 5, 6, ...): "
        "unknown account 'b:1'"
    )
    assert warnings[1] == "sales_plan rejected: plan.csv, line 200: bad month '0'"
    assert warnings[-1] == (
        "sales_plan rejected 6 more lines for 6 other reasons: see raw_inputs.input_rejections"
    )
