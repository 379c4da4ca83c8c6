{#
    Chosen custom fields of leads as typed columns, one row per lead. The list is the dbt var
    `amocrm_promoted_lead_fields`: each entry names the output `column`, how to find the field
    (`field_code`, `field_id` or `field_name`; fields differ per account) and its `data_type`
    (`text`, `bigint`, `double`, `boolean`). Override it in dbt_project.yml or with --vars.
    A field with several values keeps its first (lowest value_index). Enum fields give their
    label.
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

with source as (

    {{ fill_source_columns('raw_amocrm', 'lead_custom_field_values') }}

),

versioned_values as (

    select
        *,
        max(updated_at) over (partition by account_id, entity_id) as latest_updated_at
    from source

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
        display_value
    from ranked_values
    where value_rank = 1

),

pivoted as (

    select
        {{ amocrm_account_key('account_id') }} as account_key,
        {{ id_text('account_id') }} as account_id,
        {{ id_text('entity_id') }} as lead_id
        {{- (",\n        " ~ promoted_columns | join(",\n        ")) if promoted_columns }}
    from first_values
    group by account_id, entity_id

)

select * from pivoted
