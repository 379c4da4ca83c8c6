{#
    Blanks (catalogue section 1): an empty or all-space string from a CRM API (`SOURCE_ID: ""`,
    an empty name) is NULL in staging. Every staging model reads free-text fields through it.
#}
{% macro blank_to_null(column) -%}
    nullif(trim(cast({{ column }} as {{ dbt.type_string() }})), '')
{%- endmacro %}
