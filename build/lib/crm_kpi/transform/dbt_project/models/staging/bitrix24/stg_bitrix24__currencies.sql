with source as (

    {{ fill_source_columns('raw_bitrix24', 'currencies') }}

),

renamed as (

    select
        {{ bitrix24_account_key('portal') }} as account_key,
        {{ blank_to_null('currency') }} as currency_code,
        cast(nullif(amount, '') as {{ type_double() }})
        / nullif(cast(nullif(amount_cnt, '') as {{ type_double() }}), 0) as rate_to_base,
        {{ bitrix24_flag('base') }} as is_base,
        _dlt_load_id as dlt_load_id
    from source

)

select * from renamed
