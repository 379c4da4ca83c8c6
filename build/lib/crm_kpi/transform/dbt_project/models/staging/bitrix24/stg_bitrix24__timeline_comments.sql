with source as (

    {{ fill_source_columns('raw_bitrix24', 'timeline_comments') }}

),

renamed as (

    select
        {{ bitrix24_account_key('portal') }} as account_key,
        {{ id_text('id') }} as comment_id,
        lower(entity_type) as entity_type,
        {{ bitrix24_id('entity_id') }} as entity_id,
        {{ bitrix24_id('author_id') }} as author_user_id,
        {{ bitrix24_timestamp('created') }} as created_at,
        _dlt_load_id as dlt_load_id
    from source

)

select * from renamed
