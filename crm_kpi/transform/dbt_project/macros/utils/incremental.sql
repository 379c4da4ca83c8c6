{#
    Incremental staging (issue #11): dlt merges raw rows on their primary key and stamps every
    new or changed row with the new load's `_dlt_load_id`, so an incremental build only needs
    the rows of loads newer than the newest one the model already holds. Renders nothing on a
    full build. `''` when the model is empty: every load id is newer.
#}
{% macro where_newer_load(load_id_column='_dlt_load_id') -%}
    {%- if is_incremental() %}
    where {{ load_id_column }} > {{ newest_load_id() }}
    {%- endif %}
{%- endmacro %}


{# The newest `dlt_load_id` the incremental model `{{ this }}` holds (a scalar subquery). #}
{% macro newest_load_id(relation=this) -%}
    (select coalesce(max(loaded.dlt_load_id), '') from {{ relation }} as loaded)
{%- endmacro %}
