{#
    Text concatenation of SQL expressions with the standard `||` operator (PostgreSQL, DuckDB,
    Snowflake, Redshift and BigQuery all support it). A NULL part makes the result NULL:
    coalesce parts that may be NULL.
#}
{% macro concat_parts(parts) -%}
    ({{ parts | join(' || ') }})
{%- endmacro %}
