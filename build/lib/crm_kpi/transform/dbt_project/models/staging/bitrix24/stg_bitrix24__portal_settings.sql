with source as (

    {{ fill_source_columns('raw_bitrix24', 'portal_settings') }}

),

renamed as (

    select
        {{ bitrix24_account_key('portal') }} as account_key,
        portal,
        {{ blank_to_null('timezone') }} as timezone,
        {{ blank_to_null('utc_offset') }} as utc_offset,
        _dlt_load_id as dlt_load_id
    from source

)

select * from renamed
