{# Incremental: only the rows of loads newer than the model holds of their account (dlt merges). #}
{{ config(
    materialized='incremental',
    unique_key=['account_key', 'task_id'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with source as (

    {{ fill_source_columns('raw_amocrm', 'tasks') }}

),

renamed as (

    select
        {{ amocrm_account_key('account_id') }} as account_key,
        {{ id_text('account_id') }} as account_id,
        {{ id_text('id') }} as task_id,
        {{ id_text('task_type_id') }} as task_type_id,
        {{ id_text('entity_id') }} as entity_id,
        lower(entity_type) as entity_type,
        {{ amocrm_user_id('responsible_user_id') }} as responsible_user_id,
        {{ amocrm_user_id('created_by') }} as created_by_user_id,
        coalesce(is_completed, false) as is_completed,
        cast(duration as {{ dbt.type_bigint() }}) as duration_seconds,
        text as task_text,
        {{ json_text('result', ['text']) }} as result_text,
        {{ epoch_to_timestamp('complete_till') }} as due_at,
        {{ epoch_to_timestamp('created_at') }} as created_at,
        {{ epoch_to_timestamp('updated_at') }} as updated_at,
        _dlt_load_id as dlt_load_id
    from source{{ where_newer_raw_load('raw_amocrm', 'tasks', amocrm_account_key('source.account_id')) }}

)

select
    *,
    {{ this_invocation() }} as dbt_invocation_id
from renamed
