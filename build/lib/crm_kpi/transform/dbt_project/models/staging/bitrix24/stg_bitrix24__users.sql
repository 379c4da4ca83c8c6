with source as (

    {{ fill_source_columns('raw_bitrix24', 'users') }}

),

renamed as (

    select
        {{ bitrix24_account_key('portal') }} as account_key,
        {{ id_text('id') }} as user_id,
        {{ blank_to_null("coalesce(name, '') || ' ' || coalesce(last_name, '')") }} as user_name,
        {{ blank_to_null('email') }} as email,
        coalesce(active, true) as is_active,
        {{ json_text('uf_department', [0]) }} as department_id,
        _dlt_load_id as dlt_load_id
    from source

)

select * from renamed
