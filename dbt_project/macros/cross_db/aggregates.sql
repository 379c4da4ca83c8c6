{# Median of a numeric expression (continuous: the mean of the two middle values). #}
{% macro median(expression) -%}
    {{ adapter.dispatch('median', 'crm_kpi')(expression) }}
{%- endmacro %}

{% macro default__median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__median(expression) -%}
    median({{ expression }})
{%- endmacro %}


{#
    numerator / denominator as a double, NULL when the denominator is 0 or NULL
    (catalogue: ratios are NULL on a zero denominator, never 0 and never an error).
#}
{% macro safe_divide(numerator, denominator) -%}
    (cast({{ numerator }} as {{ type_double() }})
        / nullif(cast({{ denominator }} as {{ type_double() }}), 0))
{%- endmacro %}
