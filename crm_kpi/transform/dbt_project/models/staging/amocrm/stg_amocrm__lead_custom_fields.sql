{#
    Chosen custom fields of leads as typed columns, one row per lead. The list is the dbt var
    `amocrm_promoted_lead_fields`: each entry names the output `column`, how to find the field
    (`field_code`, `field_id` or `field_name`; fields differ per account) and its `data_type`
    (`text`, `bigint`, `double`, `boolean`). Override it in dbt_project.yml or with --vars.
    A field with several values keeps its first (lowest value_index). Enum fields give their
    label. Incremental (issue #11): an incremental build recomputes the leads with a raw row of
    a newer load than the table holds, from all their raw rows (a lead without values still
    has its marker row, so it keeps its row).
#}

{%- set default_promoted = [
    {'column': 'utm_source', 'field_code': 'UTM_SOURCE', 'data_type': 'text'},
    {'column': 'utm_medium', 'field_code': 'UTM_MEDIUM', 'data_type': 'text'},
    {'column': 'utm_campaign', 'field_code': 'UTM_CAMPAIGN', 'data_type': 'text'},
    {'column': 'utm_content', 'field_code': 'UTM_CONTENT', 'data_type': 'text'},
    {'column': 'utm_term', 'field_code': 'UTM_TERM', 'data_type': 'text'},
    {'column': 'lead_source_label', 'field_name': 'Источник', 'data_type': 'text'},
] -%}
{%- set configured = var('amocrm_promoted_lead_fields', none) -%}
{#- a list from dbt vars; anything else (unset, or a linter's placeholder) means the default -#}
{%- set promoted = configured if (configured is iterable and configured is not string) else default_promoted -%}
{%- set promoted_columns = [] -%}
{%- for field in promoted -%}
    {%- if field.get('field_id') -%}
        {%- set match = "field_id = " ~ (field['field_id'] | int) -%}
    {%- elif field.get('field_code') -%}
        {%- set match = "field_code = '" ~ field['field_code'] ~ "'" -%}
    {%- else -%}
        {%- set match = "field_name = '" ~ field['field_name'] ~ "'" -%}
    {%- endif -%}
    {%- set _ = promoted_columns.append(
        "cast(max(case when " ~ match ~ " then display_value end) as "
        ~ contract_type(field['data_type']) | trim ~ ") as " ~ field['column']
    ) -%}
{%- endfor -%}

{{ config(
    materialized='incremental',
    unique_key=['account_key', 'lead_id'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with source as (

    {{ fill_source_columns('raw_amocrm', 'lead_custom_field_values') }}

),

{# Every raw row of the leads with a row of a newer load (all of a lead's rows: its versions). #}
lead_rows as (

    select source.*
    from source{{ where_key_has_newer_load('source', 'source', ['account_id', 'entity_id']) }}

),

versioned_values as (

    select
        *,
        max(updated_at) over (partition by account_id, entity_id) as latest_updated_at,
        max(_dlt_load_id) over (partition by account_id, entity_id) as lead_load_id
    from lead_rows

),

current_values as (

    select *
    from versioned_values
    where updated_at = latest_updated_at or latest_updated_at is null

),

ranked_values as (

    select
        account_id,
        entity_id,
        field_id,
        field_code,
        field_name,
        {{ amocrm_custom_field_display_value('field_type', 'value', 'enum_label') }} as display_value,
        lead_load_id,
        row_number() over (
            partition by account_id, entity_id, field_id order by value_index
        ) as value_rank
    from current_values

),

first_values as (

    select
        account_id,
        entity_id,
        field_id,
        field_code,
        field_name,
        display_value,
        lead_load_id
    from ranked_values
    where value_rank = 1

),

pivoted as (

    select
        {{ amocrm_account_key('account_id') }} as account_key,
        {{ id_text('account_id') }} as account_id,
        {{ id_text('entity_id') }} as lead_id
        {{- (",\n        " ~ promoted_columns | join(",\n        ")) if promoted_columns }},
        max(lead_load_id) as dlt_load_id,
        {{ this_invocation() }} as dbt_invocation_id
    from first_values
    group by account_id, entity_id

)

select * from pivoted
