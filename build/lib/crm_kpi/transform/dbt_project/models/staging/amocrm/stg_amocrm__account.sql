with source as (

    {{ fill_source_columns('raw_amocrm', 'account') }}

),

renamed as (

    select
        {{ amocrm_account_key('coalesce(account_id, id)') }} as account_key,
        {{ id_text('coalesce(account_id, id)') }} as account_id,
        {{ blank_to_null('name') }} as account_name,
        subdomain,
        {{ blank_to_null('currency') }} as currency_code,
        country as country_code,
        {{ json_text('_embedded', ['datetime_settings', 'timezone']) }} as timezone,
        {{ json_text('_embedded', ['datetime_settings', 'timezone_offset']) }} as timezone_offset,
        {{ epoch_to_timestamp('created_at') }} as created_at,
        {{ epoch_to_timestamp('updated_at') }} as updated_at,
        _dlt_load_id as dlt_load_id
    from source

)

select * from renamed
