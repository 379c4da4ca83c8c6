{# The start of the incremental lookback window: `timestamp_expression` minus the var `incremental_lookback_days`. #}
{% macro lookback_start(timestamp_expression) -%}
    {{ dbt.dateadd('day', -(var('incremental_lookback_days') | int), timestamp_expression) }}
{%- endmacro %}
