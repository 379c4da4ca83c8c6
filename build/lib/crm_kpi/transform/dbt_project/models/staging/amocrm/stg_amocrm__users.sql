with source as (

    {{ fill_source_columns('raw_amocrm', 'users') }}

),

renamed as (

    select
        {{ amocrm_account_key('account_id') }} as account_key,
        {{ id_text('account_id') }} as account_id,
        {{ id_text('id') }} as user_id,
        {{ blank_to_null('name') }} as user_name,
        {{ blank_to_null('email') }} as email,
        lang as language_code,
        cast({{ json_text('rights', ['is_active']) }} as {{ dbt.type_boolean() }}) as is_active,
        cast({{ json_text('rights', ['is_admin']) }} as {{ dbt.type_boolean() }}) as is_admin,
        cast({{ json_text('rights', ['is_free']) }} as {{ dbt.type_boolean() }}) as is_free,
        {{ json_text('rights', ['group_id']) }} as group_id,
        {{ json_text('rights', ['role_id']) }} as role_id,
        _dlt_load_id as dlt_load_id
    from source

)

select * from renamed
