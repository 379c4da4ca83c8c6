{# Money: DECIMAL(18,2) everywhere (catalogue section 1). #}
{% macro type_money() -%}
    {{ adapter.dispatch('type_money', 'crm_kpi')() }}
{%- endmacro %}

{% macro default__type_money() -%}
    numeric(18, 2)
{%- endmacro %}


{#
    Double precision float for ratios and durations. dbt.type_float() is `float`, which is a
    4-byte REAL in DuckDB, too coarse for KPI ratios.
#}
{% macro type_double() -%}
    {{ adapter.dispatch('type_double', 'crm_kpi')() }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}


{# The JSON type dlt uses for nested objects (max_table_nesting=0). #}
{% macro type_json() -%}
    {{ adapter.dispatch('type_json', 'crm_kpi')() }}
{%- endmacro %}

{% macro default__type_json() -%}
    jsonb
{%- endmacro %}

{% macro duckdb__type_json() -%}
    json
{%- endmacro %}
