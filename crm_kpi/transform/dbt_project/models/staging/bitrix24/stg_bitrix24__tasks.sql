{# Incremental: only the rows of loads newer than the model holds of their account (dlt merges). #}
{{ config(
    materialized='incremental',
    unique_key=['account_key', 'task_id'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with source as (

    {{ fill_source_columns('raw_bitrix24', 'tasks') }}

),

renamed as (

    select
        {{ bitrix24_account_key('portal') }} as account_key,
        {{ id_text('id') }} as task_id,
        title as task_title,
        status as task_status,
        status = '5' as is_completed,
        {{ bitrix24_id('responsible_id') }} as responsible_user_id,
        {{ bitrix24_id('created_by') }} as created_by_user_id,
        {{ json_text('uf_crm_task', [0]) }} as first_crm_binding,
        {{ bitrix24_timestamp('created_date') }} as created_at,
        {{ bitrix24_timestamp('changed_date') }} as updated_at,
        {{ bitrix24_timestamp('closed_date') }} as closed_at,
        {{ bitrix24_timestamp('deadline') }} as deadline_at,
        _dlt_load_id as dlt_load_id
    from source{{ where_newer_raw_load('raw_bitrix24', 'tasks', bitrix24_account_key('source.portal')) }}

)

select
    account_key,
    task_id,
    task_title,
    task_status,
    is_completed,
    responsible_user_id,
    created_by_user_id,
    case when first_crm_binding like 'D\_%' escape '\' then substr(first_crm_binding, 3) end as deal_id,
    case when first_crm_binding like 'C\_%' escape '\' then substr(first_crm_binding, 3) end as contact_id,
    created_at,
    updated_at,
    closed_at,
    deadline_at,
    dlt_load_id,
    {{ this_invocation() }} as dbt_invocation_id
from renamed
