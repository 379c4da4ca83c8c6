{#
    A join key that compares NULL equal to NULL, for the marts' rollup rows whose key is NULL
    (pipeline_id NULL = the account, team_id NULL = all teams): `coalesce(key, '')` on both
    sides makes the join an equi-join (a hash join), where `a = b or (a is null and b is null)`
    or `is not distinct from` make DuckDB compare every row with every row (issue #11).
    Ids are text and blanks are NULL from staging on, so '' is never a real id.
#}
{% macro null_safe_key(column) -%}
    coalesce({{ column }}, '')
{%- endmacro %}
