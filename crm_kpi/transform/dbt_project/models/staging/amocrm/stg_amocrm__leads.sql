{# Incremental: only the rows of loads newer than the model holds of their account (dlt merges). #}
{{ config(
    materialized='incremental',
    unique_key=['account_key', 'lead_id'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with source as (

    {{ fill_source_columns('raw_amocrm', 'leads') }}

),

renamed as (

    select
        {{ amocrm_account_key('account_id') }} as account_key,
        {{ id_text('account_id') }} as account_id,
        {{ id_text('id') }} as lead_id,
        {{ blank_to_null('name') }} as lead_name,
        cast(price as {{ type_money() }}) as price,
        {{ amocrm_user_id('responsible_user_id') }} as responsible_user_id,
        {{ id_text('group_id') }} as group_id,
        {{ id_text('pipeline_id') }} as pipeline_id,
        {{ id_text('status_id') }} as status_id,
        {{ amocrm_status_type('status_id') }} as status_type,
        {{ id_text('loss_reason_id') }} as loss_reason_id,
        {{ blank_to_null(json_text('_embedded', ['loss_reason', 0, 'name'])) }} as loss_reason_name,
        {{ blank_to_null(json_array_find_text(
            'custom_fields_values', [], 'field_code',
            "'" ~ var('amocrm_lead_source_field_code') ~ "'", ['values', 0, 'value']
        )) }} as lead_source,
        coalesce(
            {{ json_array_find_text('_embedded', ['contacts'], 'is_main', "'true'", ['id']) }},
            {{ json_text('_embedded', ['contacts', 0, 'id']) }}
        ) as main_contact_id,
        {{ json_text('_embedded', ['companies', 0, 'id']) }} as company_id,
        {{ amocrm_user_id('created_by') }} as created_by_user_id,
        {{ amocrm_user_id('updated_by') }} as updated_by_user_id,
        {{ epoch_to_timestamp('created_at') }} as created_at,
        {{ epoch_to_timestamp('updated_at') }} as updated_at,
        {{ epoch_to_timestamp('closed_at') }} as closed_at,
        {{ epoch_to_timestamp('closest_task_at') }} as closest_task_at,
        coalesce(is_deleted, false) as is_deleted,
        cast(score as {{ dbt.type_int() }}) as score,
        {{ id_text('source_id') }} as source_id,
        _dlt_load_id as dlt_load_id
    from source{{ where_newer_raw_load('raw_amocrm', 'leads', amocrm_account_key('source.account_id')) }}

)

select
    *,
    {{ this_invocation() }} as dbt_invocation_id
from renamed
