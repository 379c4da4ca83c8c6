{# Incremental: only the rows of loads newer than the model holds of their account (dlt merges). #}
{{ config(
    materialized='incremental',
    unique_key=['account_key', 'contact_id'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with source as (

    {{ fill_source_columns('raw_amocrm', 'contacts') }}

),

renamed as (

    select
        {{ amocrm_account_key('account_id') }} as account_key,
        {{ id_text('account_id') }} as account_id,
        {{ id_text('id') }} as contact_id,
        {{ blank_to_null('name') }} as contact_name,
        {{ blank_to_null('first_name') }} as first_name,
        {{ blank_to_null('last_name') }} as last_name,
        {{ amocrm_user_id('responsible_user_id') }} as responsible_user_id,
        {{ json_text('_embedded', ['companies', 0, 'id']) }} as company_id,
        {{ amocrm_user_id('created_by') }} as created_by_user_id,
        {{ epoch_to_timestamp('created_at') }} as created_at,
        {{ epoch_to_timestamp('updated_at') }} as updated_at,
        {{ epoch_to_timestamp('closest_task_at') }} as closest_task_at,
        _dlt_load_id as dlt_load_id
    from source{{ where_newer_raw_load('raw_amocrm', 'contacts', amocrm_account_key('source.account_id')) }}

)

select
    *,
    {{ this_invocation() }} as dbt_invocation_id
from renamed
