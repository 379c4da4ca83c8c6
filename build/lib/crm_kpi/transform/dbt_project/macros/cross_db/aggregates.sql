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


{#
    Mean of a fractional expression, the same to the last bit on every run: a parallel sum of
    doubles depends on the order threads add them in (reruns differed in the last digits), a
    sum of decimals does not. Six decimal places (a microsecond of a day, of an hour) are kept.
#}
{% macro stable_avg(expression) -%}
    cast(avg(cast({{ expression }} as decimal(38, 6))) as {{ type_double() }})
{%- endmacro %}
