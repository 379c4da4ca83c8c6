{# Incremental: only the rows of loads newer than the model holds of their account (dlt merges). #}
{{ config(
    materialized='incremental',
    unique_key=['account_key', 'note_id'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with source as (

    {{ fill_source_columns('raw_amocrm', 'lead_notes') }}

),

renamed as (

    select
        {{ amocrm_account_key('account_id') }} as account_key,
        {{ id_text('account_id') }} as account_id,
        {{ id_text('id') }} as note_id,
        {{ id_text('entity_id') }} as lead_id,
        note_type,
        {{ amocrm_user_id('responsible_user_id') }} as responsible_user_id,
        {{ amocrm_user_id('created_by') }} as created_by_user_id,
        {{ epoch_to_timestamp('created_at') }} as created_at,
        {{ epoch_to_timestamp('updated_at') }} as updated_at,
        cast({{ json_text('params', ['duration']) }} as {{ dbt.type_bigint() }}) as call_duration_seconds,
        cast({{ json_text('params', ['call_status']) }} as {{ dbt.type_int() }}) as call_status,
        {{ json_text('params', ['call_result']) }} as call_result,
        {{ json_text('params', ['phone']) }} as call_phone,
        cast({{ json_text('params', ['income']) }} as {{ dbt.type_boolean() }}) as email_is_incoming,
        {{ json_text('params', ['subject']) }} as email_subject,
        {{ json_text('params', ['text']) }} as note_text,
        coalesce(is_pinned, false) as is_pinned,
        _dlt_load_id as dlt_load_id
    from source{{ where_newer_raw_load('raw_amocrm', 'lead_notes', amocrm_account_key('source.account_id')) }}

)

select
    *,
    {{ this_invocation() }} as dbt_invocation_id
from renamed
