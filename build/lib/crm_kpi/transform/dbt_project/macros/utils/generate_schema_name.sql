{#
    Use the custom schema name as it is (`staging`, `intermediate`, `core`, `marts`) instead of
    dbt's default `<target schema>_<custom schema>`, so that BI tools and the Dagster checks see
    stable schema names in every environment. Models without a custom schema go to the target
    schema.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
