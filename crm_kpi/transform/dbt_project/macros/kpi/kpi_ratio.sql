{#
    A ratio KPI: numerator / denominator, NULL when the denominator is 0 or NULL (catalogue
    section 1: never 0, never an error). Both sides are cast to a double before dividing, so
    integer counts never truncate (PostgreSQL) and decimals never overflow their scale; the
    arithmetic is the cross-database `safe_divide`.
#}
{% macro kpi_ratio(numerator, denominator) -%}
    {{ safe_divide(numerator, denominator) }}
{%- endmacro %}
