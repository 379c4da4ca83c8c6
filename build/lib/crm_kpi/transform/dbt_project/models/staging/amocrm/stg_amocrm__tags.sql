with source as (

    {{ fill_source_columns('raw_amocrm', 'tags') }}

),

renamed as (

    select
        {{ amocrm_account_key('account_id') }} as account_key,
        {{ id_text('account_id') }} as account_id,
        entity_type,
        {{ id_text('id') }} as tag_id,
        name as tag_name,
        color as tag_color,
        _dlt_load_id as dlt_load_id
    from source

)

select * from renamed
