"""No DuckDB-only SQL outside ``macros/cross_db/``: the models must also run on PostgreSQL 15.

The project's SQL (models, data tests, macros) is read with its Jinja and comments removed (a
call such as ``{{ median('x') }}`` is a dispatched macro, not the DuckDB function), then searched
for DuckDB functions and syntax that PostgreSQL 15 does not have. The dispatched macros in
``macros/cross_db/`` are the one place where such SQL may appear, in ``duckdb__`` versions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "crm_kpi" / "transform" / "dbt_project"
CROSS_DB_DIR = DBT_PROJECT_DIR / "macros" / "cross_db"

# DuckDB functions PostgreSQL 15 lacks (or has with another meaning), called as `name(`.
DUCKDB_ONLY_FUNCTIONS = re.findall(
    r"\w+",
    """
    any_value arg_max arg_min max_by min_by count_if median quantile quantile_cont
    quantile_disc histogram product fsum favg json_extract json_extract_string json_keys
    json_type json_valid json_group_array json_group_object json_structure json_transform list
    list_value list_position list_contains list_has list_extract list_element list_aggregate
    list_sort list_distinct list_filter list_transform list_reduce list_concat list_slice
    list_unique array_extract array_has array_contains len string_split str_split
    string_split_regex regexp_extract regexp_full_match contains ends_with instr ifnull nvl
    try_cast epoch epoch_ms epoch_us make_timestamp make_timestamptz date_diff datediff
    date_sub date_add datepart strftime strptime today dayname monthname yearweek last_day
    struct_pack struct_extract range hash uuid isodow dayofweek dayofmonth dayofyear
    """,
)
DUCKDB_ONLY_SYNTAX = {
    "qualify": r"\bqualify\b",
    "group by all": r"\bgroup\s+by\s+all\b",
    "order by all": r"\border\s+by\s+all\b",
    "union by name": r"\bunion\s+(all\s+)?by\s+name\b",
    "select * exclude/replace": r"\*\s*(exclude|replace)\s*\(",
    "list literal": r"(?<![\w\]\)'\"])\[\s*\d",
}
FUNCTION_CALL = re.compile(
    r"(?<![\w.])(" + "|".join(DUCKDB_ONLY_FUNCTIONS) + r")\s*\(", re.IGNORECASE
)


def _plain_sql(text: str) -> str:
    """The SQL without Jinja comments, expressions, statements, SQL comments and strings."""
    text = re.sub(r"\{#.*?#\}", " ", text, flags=re.DOTALL)
    text = re.sub(r"\{\{.*?\}\}", " ", text, flags=re.DOTALL)
    text = re.sub(r"\{%.*?%\}", " ", text, flags=re.DOTALL)
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.DOTALL)
    text = re.sub(r"--[^\n]*", " ", text)
    return re.sub(r"'(?:[^']|'')*'", "''", text)


def duckdb_only_uses(text: str) -> list[str]:
    """The DuckDB-only functions and syntax used in one SQL file's plain SQL."""
    sql = _plain_sql(text)
    found = [f"{match.group(1).lower()}()" for match in FUNCTION_CALL.finditer(sql)]
    found += [name for name, pattern in DUCKDB_ONLY_SYNTAX.items() if re.search(pattern, sql, re.I)]
    return found


def _project_sql_files() -> list[Path]:
    files = [
        path
        for folder in ("models", "tests", "macros", "analyses", "snapshots")
        for path in sorted((DBT_PROJECT_DIR / folder).rglob("*.sql"))
    ]
    return [path for path in files if CROSS_DB_DIR not in path.parents]


def _unit_test_sql_fixtures() -> Iterator[tuple[str, str]]:
    """``(where, sql)`` of every unit-test input or expectation given as ``format: sql``."""
    for path in sorted((DBT_PROJECT_DIR / "models").rglob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for unit_test in document.get("unit_tests") or []:
            for fixture in [*(unit_test.get("given") or []), unit_test.get("expect") or {}]:
                if fixture.get("format") == "sql" and isinstance(fixture.get("rows"), str):
                    where = f"{path.relative_to(DBT_PROJECT_DIR)}: {unit_test['name']}"
                    yield where, fixture["rows"]


def test_no_duckdb_only_sql_outside_cross_db_macros() -> None:
    offenders = {
        str(path.relative_to(DBT_PROJECT_DIR)): uses
        for path in _project_sql_files()
        if (uses := duckdb_only_uses(path.read_text(encoding="utf-8")))
    }
    offenders |= {
        where: uses for where, text in _unit_test_sql_fixtures() if (uses := duckdb_only_uses(text))
    }
    assert not offenders, (
        "DuckDB-only SQL outside macros/cross_db/ (use or add a dispatched macro there, "
        f"with a postgres__ version): {offenders}"
    )


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select arg_max(a, b) from t", ["arg_max()"]),
        ("select json_extract_string(j, '$.a') from t", ["json_extract_string()"]),
        ("select * from t qualify row_number() over () = 1", ["qualify"]),
        ("select date_diff('day', a, b) from t", ["date_diff()"]),
        ("select {{ median('x') }}, t.range, 'list(' from t -- arg_max(", []),
        ("{# epoch(x) #} select cast(a as integer) from t group by a", []),
        ("select * exclude (a) from t", ["select * exclude/replace"]),
        ("select isodow(d), [2, 1][w] from t", ["isodow()", "list literal"]),
    ],
)
def test_the_check_finds_duckdb_sql_and_ignores_jinja_comments_and_strings(
    sql: str, expected: list[str]
) -> None:
    assert duckdb_only_uses(sql) == expected
