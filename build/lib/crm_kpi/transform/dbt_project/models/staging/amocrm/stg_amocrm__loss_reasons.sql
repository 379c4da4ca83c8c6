with source as (

    {{ fill_source_columns('raw_amocrm', 'loss_reasons') }}

),

renamed as (

    select
        {{ amocrm_account_key('account_id') }} as account_key,
        {{ id_text('account_id') }} as account_id,
        {{ id_text('id') }} as loss_reason_id,
        name as loss_reason_name,
        cast(sort as {{ dbt.type_int() }}) as sort_order,
        {{ epoch_to_timestamp('created_at') }} as created_at,
        {{ epoch_to_timestamp('updated_at') }} as updated_at,
        _dlt_load_id as dlt_load_id
    from source

)

select * from renamed
