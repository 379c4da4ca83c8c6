with source as (

    {{ fill_source_columns('raw_amocrm', 'companies') }}

),

renamed as (

    select
        {{ amocrm_account_key('account_id') }} as account_key,
        {{ id_text('account_id') }} as account_id,
        {{ id_text('id') }} as company_id,
        {{ blank_to_null('name') }} as company_name,
        {{ amocrm_user_id('responsible_user_id') }} as responsible_user_id,
        {{ amocrm_user_id('created_by') }} as created_by_user_id,
        {{ amocrm_user_id('updated_by') }} as updated_by_user_id,
        {{ epoch_to_timestamp('created_at') }} as created_at,
        {{ epoch_to_timestamp('updated_at') }} as updated_at,
        {{ epoch_to_timestamp('closest_task_at') }} as closest_task_at,
        _dlt_load_id as dlt_load_id
    from source

)

select * from renamed
