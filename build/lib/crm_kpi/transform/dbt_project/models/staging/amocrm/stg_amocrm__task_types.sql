with source as (

    {{ fill_source_columns('raw_amocrm', 'task_types') }}

),

renamed as (

    select
        {{ amocrm_account_key('account_id') }} as account_key,
        {{ id_text('account_id') }} as account_id,
        {{ id_text('id') }} as task_type_id,
        name as task_type_name,
        upper(code) as task_type_code,
        color as task_type_color,
        _dlt_load_id as dlt_load_id
    from source

)

select * from renamed
