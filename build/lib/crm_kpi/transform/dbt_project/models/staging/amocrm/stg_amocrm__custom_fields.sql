with source as (

    {{ fill_source_columns('raw_amocrm', 'custom_fields') }}

),

renamed as (

    select
        {{ amocrm_account_key('account_id') }} as account_key,
        {{ id_text('account_id') }} as account_id,
        entity_type,
        {{ id_text('id') }} as field_id,
        name as field_name,
        type as field_type,
        code as field_code,
        cast(sort as {{ dbt.type_int() }}) as sort_order,
        coalesce(is_api_only, false) as is_api_only,
        coalesce(is_predefined, false) as is_predefined,
        coalesce(is_deletable, true) as is_deletable,
        {{ id_text('group_id') }} as field_group_id,
        _dlt_load_id as dlt_load_id
    from source

)

select * from renamed
