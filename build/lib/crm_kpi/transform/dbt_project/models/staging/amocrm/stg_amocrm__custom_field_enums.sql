with source as (

    {{ fill_source_columns('raw_amocrm', 'custom_field_enums') }}

),

renamed as (

    select
        {{ amocrm_account_key('account_id') }} as account_key,
        {{ id_text('account_id') }} as account_id,
        entity_type,
        {{ id_text('field_id') }} as field_id,
        {{ id_text('id') }} as enum_id,
        value as enum_label,
        cast(sort as {{ dbt.type_int() }}) as sort_order,
        _dlt_load_id as dlt_load_id
    from source

)

select * from renamed
