"""What the pipeline reads and writes outside dlt and dbt gives the same on DuckDB and PostgreSQL.

The frames of the win model (``crm_kpi.warehouse.frames``), the quality schema's tables (row-count
history, withheld accounts) and the inputs' manager check, each run on both engines.
"""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks.win_model_speed import synthetic_features
from crm_kpi.quality.history import RowCountHistory
from crm_kpi.quality.withheld import withheld_in_run, withhold
from crm_kpi.sources.inputs.managers import managers_from_warehouse
from crm_kpi.transform.forecasting.scoring import QUALITY_TABLE, SCORES_TABLE, score_warehouse
from crm_kpi.warehouse import Warehouse
from crm_kpi.warehouse.frames import NewTable, read_frame, replace_tables

SELECT = """
select
    cast(deal_id as varchar) as deal_id,
    cast(amount as decimal(18, 2)) as amount,
    cast(probability as double precision) as probability,
    cast(days_open as integer) as days_open,
    cast(close_date as date) as close_date,
    cast(is_stalled as boolean) as is_stalled,
    cast(trained_at as timestamp with time zone) as trained_at
from scores
order by deal_id
"""


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Warehouse:
    """An empty warehouse of each kind (PostgreSQL: a scratch schema-free database)."""
    if request.param == "duckdb":
        return Warehouse(url=f"duckdb:///{tmp_path / 'w.duckdb'}")
    url = request.getfixturevalue("postgres_warehouse_url")
    warehouse = Warehouse(url=url)
    with warehouse.connect() as connection:
        for schema in ("marts", "quality", "raw_amocrm", "core", "intermediate"):
            connection.execute(f"drop schema if exists {schema} cascade")
    return warehouse


def _scores(rows: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "deal_id": [str(i) for i in range(rows)],
            "amount": np.linspace(0, 1000.5, rows).round(2),
            "probability": np.linspace(0.1, 0.9, rows),
            "days_open": np.arange(rows, dtype=float),  # a float column cast to integer
            "close_date": pd.to_datetime("2026-01-01") + pd.to_timedelta(np.arange(rows), "D"),
            "is_stalled": [True, None, False][:rows] + [False] * max(rows - 3, 0),
            "trained_at": dt.datetime(2026, 1, 1, 10, tzinfo=dt.UTC),
        }
    )


def test_a_frame_replaces_a_table_and_reads_back_alike(warehouse: Warehouse) -> None:
    replace_tables(warehouse, [NewTable("marts.scores_test", SELECT, "scores", _scores(3))])
    frame = _scores(5)
    frame.loc[4, "probability"] = np.nan
    replace_tables(warehouse, [NewTable("marts.scores_test", SELECT, "scores", frame)])
    back = read_frame(
        warehouse, "select * from marts.scores_test where days_open >= :low", {"low": 1}
    )
    assert list(back["deal_id"]) == ["1", "2", "3", "4"]  # replaced, not appended
    assert list(back["amount"]) == [250.12, 500.25, 750.38, 1000.5]
    assert back["probability"].iloc[0] == pytest.approx(0.3) and pd.isna(back["probability"][3])
    assert list(back["days_open"]) == [1, 2, 3, 4]
    assert back["close_date"].iloc[0] == pd.Timestamp("2026-01-02")
    assert [bool(v) if pd.notna(v) else None for v in back["is_stalled"]] == [
        None,
        False,
        False,
        False,
    ]
    assert back["trained_at"].iloc[0] == pd.Timestamp("2026-01-01 10:00", tz="UTC")


def test_row_count_history_and_withheld_accounts(warehouse: Warehouse) -> None:
    history = RowCountHistory(warehouse)
    assert history.previous("marts.m") == {}
    history.record("marts.m", {"amocrm:1": 10, "bitrix24:b": 5})
    history.record("marts.m", {"amocrm:1": 12})  # an upsert: the other account stays
    assert history.previous("marts.m") == {"amocrm:1": 12, "bitrix24:b": 5}
    assert withheld_in_run(warehouse, "run-1") == {}
    withhold(warehouse, "run-1", "marts.m", {"bitrix24:b": "negative revenue"})
    withhold(warehouse, "run-2", "marts.m", {"amocrm:1": "other run"})
    assert withheld_in_run(warehouse, "run-1") == {"bitrix24:b": "negative revenue"}


def test_managers_for_the_sales_plan_check(warehouse: Warehouse) -> None:
    assert managers_from_warehouse(warehouse) is None  # nothing loaded yet
    with warehouse.connect() as connection:
        connection.execute("create schema raw_amocrm")
        connection.execute(
            "create table raw_amocrm.users (account_id bigint, id bigint, email text)"
        )
        connection.execute("insert into raw_amocrm.users values (1, 501, 'A@x.ru')")
    known = managers_from_warehouse(warehouse)
    assert known is not None and known.resolve("amocrm:1", None, "a@x.ru") == "501"


def test_the_win_model_scores_the_same_on_both_engines(
    tmp_path: Path, postgres_warehouse_url: str
) -> None:
    features = synthetic_features(1200)  # enough closed deals: the model, not the stage, scores
    accounts = pd.DataFrame(
        {"account_key": ["bench:1"], "as_of": [pd.Timestamp("2025-12-31 21:00", tz="UTC")]}
    )
    marts = {}
    for kind, url in (
        ("duckdb", f"duckdb:///{tmp_path / 'w.duckdb'}"),
        ("postgres", postgres_warehouse_url),
    ):
        warehouse = Warehouse(url=url)
        replace_tables(
            warehouse,
            [
                NewTable("core.fct_deal_score_features", "select * from f", "f", features),
                NewTable("intermediate.int_accounts", "select * from a", "a", accounts),
            ],
        )
        [result] = score_warehouse(warehouse)
        assert result.source == "model", result.reason
        marts[kind] = [
            read_frame(warehouse, f"select * from {table} order by 1, 2").astype(object)
            for table in (SCORES_TABLE, QUALITY_TABLE)
        ]
    for duckdb_mart, postgres_mart in zip(marts["duckdb"], marts["postgres"], strict=True):
        pd.testing.assert_frame_equal(postgres_mart, duckdb_mart, check_dtype=False, rtol=1e-9)


def test_postgres_types_of_a_frame_follow_duckdbs_reading() -> None:
    from crm_kpi.warehouse.frames import _postgres_type

    assert _postgres_type(pd.Series([1.5, None])) == "double precision"
    assert _postgres_type(pd.Series([True, None], dtype=object)) == "boolean"
    assert _postgres_type(pd.Series([decimal.Decimal("1.10")])) == "numeric"
    assert _postgres_type(pd.Series([dt.date(2026, 1, 1)])) == "date"
    assert _postgres_type(pd.Series(["a", None])) == "text"
    assert _postgres_type(pd.Series([], dtype=object)) == "text"
