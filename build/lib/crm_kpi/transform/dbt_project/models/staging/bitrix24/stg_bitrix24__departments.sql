with source as (

    {{ fill_source_columns('raw_bitrix24', 'departments') }}

),

renamed as (

    select
        {{ bitrix24_account_key('portal') }} as account_key,
        {{ id_text('id') }} as department_id,
        name as department_name,
        {{ bitrix24_id('parent') }} as parent_department_id,
        _dlt_load_id as dlt_load_id
    from source

)

select * from renamed
