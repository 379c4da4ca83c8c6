{# Incremental: only the rows of loads newer than the model holds (dlt merges raw rows). #}
{{ config(
    materialized='incremental',
    unique_key=['account_key', 'event_id'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with source as (

    {{ fill_source_columns('raw_amocrm', 'events') }}

),

renamed as (

    select
        {{ amocrm_account_key('account_id') }} as account_key,
        {{ id_text('account_id') }} as account_id,
        cast(id as {{ dbt.type_string() }}) as event_id,
        type as event_type,
        {{ id_text('entity_id') }} as entity_id,
        lower(entity_type) as entity_type,
        {{ amocrm_user_id('created_by') }} as created_by_user_id,
        coalesce(created_by = 0, false) as is_robot,
        {{ epoch_to_timestamp('created_at') }} as created_at,
        {{ json_text('value_before', [0, 'lead_status', 'pipeline_id']) }} as pipeline_before_id,
        {{ json_text('value_before', [0, 'lead_status', 'id']) }} as status_before_id,
        {{ amocrm_status_type(json_text('value_before', [0, 'lead_status', 'id'])) }} as status_before_type,
        {{ json_text('value_after', [0, 'lead_status', 'pipeline_id']) }} as pipeline_after_id,
        {{ json_text('value_after', [0, 'lead_status', 'id']) }} as status_after_id,
        {{ amocrm_status_type(json_text('value_after', [0, 'lead_status', 'id'])) }} as status_after_type,
        {{ amocrm_user_id(json_text('value_before', [0, 'responsible_user', 'id'])) }} as responsible_before_id,
        {{ amocrm_user_id(json_text('value_after', [0, 'responsible_user', 'id'])) }} as responsible_after_id,
        {{ json_text('value_after', [0, 'note', 'id']) }} as note_id,
        {{ json_text('value_after', [0, 'message', 'id']) }} as message_id,
        _dlt_load_id as dlt_load_id
    from source{{ where_newer_load() }}

)

select * from renamed
