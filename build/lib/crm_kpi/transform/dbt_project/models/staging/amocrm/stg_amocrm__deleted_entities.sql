with source as (

    {{ fill_source_columns('raw_amocrm', 'deleted_entities') }}

),

renamed as (

    select
        {{ amocrm_account_key('account_id') }} as account_key,
        {{ id_text('account_id') }} as account_id,
        entity_type,
        {{ id_text('id') }} as entity_id,
        {{ epoch_to_timestamp('updated_at') }} as deleted_at,
        {{ amocrm_user_id('updated_by') }} as deleted_by_user_id,
        coalesce(is_deleted, true) as is_deleted,
        _dlt_load_id as dlt_load_id
    from source

)

select * from renamed
