with source as (

    {{ fill_source_columns('raw_amocrm', 'users_groups') }}

),

renamed as (

    select
        {{ amocrm_account_key('account_id') }} as account_key,
        {{ id_text('account_id') }} as account_id,
        {{ id_text('id') }} as group_id,
        name as group_name,
        uuid as group_uuid,
        _dlt_load_id as dlt_load_id
    from source

)

select * from renamed
