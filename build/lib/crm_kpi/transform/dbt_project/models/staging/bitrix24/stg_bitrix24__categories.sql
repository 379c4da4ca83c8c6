with source as (

    {{ fill_source_columns('raw_bitrix24', 'categories') }}

),

renamed as (

    select
        {{ bitrix24_account_key('portal') }} as account_key,
        {{ id_text('id') }} as pipeline_id,
        name as pipeline_name,
        sort as pipeline_sort,
        {{ bitrix24_flag('is_default') }} as is_default,
        _dlt_load_id as dlt_load_id
    from source

)

select * from renamed
