with source as (

    {{ fill_source_columns('raw_bitrix24', 'deletions') }}

),

renamed as (

    select
        {{ bitrix24_account_key('portal') }} as account_key,
        entity as entity_type,
        {{ id_text('id') }} as entity_id,
        coalesce(is_deleted, false) as is_deleted,
        {{ bitrix24_timestamp('detected_at') }} as detected_at,
        _dlt_load_id as dlt_load_id
    from source

)

select * from renamed
