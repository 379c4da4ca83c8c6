with source as (

    {{ fill_source_columns('raw_bitrix24', 'calls') }}

),

renamed as (

    select
        {{ bitrix24_account_key('portal') }} as account_key,
        {{ id_text('id') }} as call_id,
        {{ bitrix24_id('crm_activity_id') }} as activity_id,
        {{ bitrix24_id('portal_user_id') }} as user_id,
        case when upper(crm_entity_type) = 'CONTACT' then {{ bitrix24_id('crm_entity_id') }} end as contact_id,
        case when upper(crm_entity_type) = 'COMPANY' then {{ bitrix24_id('crm_entity_id') }} end as company_id,
        case when call_type = '1' then 'outbound' when call_type in ('2', '3', '4') then 'inbound' end as direction,
        cast(nullif(call_duration, '') as {{ dbt.type_bigint() }}) as duration_seconds,
        nullif(call_failed_code, '') as call_failed_code,
        {{ bitrix24_timestamp('call_start_date') }} as started_at,
        _dlt_load_id as dlt_load_id
    from source

)

select * from renamed
