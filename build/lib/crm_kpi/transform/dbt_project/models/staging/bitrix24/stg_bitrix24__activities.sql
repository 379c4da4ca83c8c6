with source as (

    {{ fill_source_columns('raw_bitrix24', 'activities') }}

),

renamed as (

    select
        {{ bitrix24_account_key('portal') }} as account_key,
        {{ id_text('id') }} as activity_id,
        cast(type_id as {{ dbt.type_int() }}) as type_id,
        provider_id,
        subject,
        case owner_type_id when '1' then 'lead' when '2' then 'deal' when '3' then 'contact' when '4' then 'company' end
            as owner_type,
        {{ bitrix24_id('owner_id') }} as owner_id,
        case direction when '1' then 'inbound' when '2' then 'outbound' end as direction,
        {{ bitrix24_flag('completed') }} as is_completed,
        {{ bitrix24_id('responsible_id') }} as responsible_user_id,
        {{ bitrix24_timestamp('created') }} as created_at,
        {{ bitrix24_timestamp('last_updated') }} as updated_at,
        {{ bitrix24_timestamp('start_time') }} as start_at,
        {{ bitrix24_timestamp('end_time') }} as end_at,
        {{ bitrix24_timestamp('deadline') }} as deadline_at,
        _dlt_load_id as dlt_load_id
    from source

)

select * from renamed
