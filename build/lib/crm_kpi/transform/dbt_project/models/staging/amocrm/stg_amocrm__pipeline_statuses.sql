with source as (

    {{ fill_source_columns('raw_amocrm', 'pipeline_statuses') }}

),

renamed as (

    select
        {{ amocrm_account_key('account_id') }} as account_key,
        {{ id_text('account_id') }} as account_id,
        {{ id_text('pipeline_id') }} as pipeline_id,
        {{ id_text('id') }} as status_id,
        name as status_name,
        cast(sort as {{ dbt.type_int() }}) as status_sort,
        {{ amocrm_status_type('id') }} as status_type,
        coalesce(type = 1, false) as is_unsorted,
        is_editable,
        color as status_color,
        _dlt_load_id as dlt_load_id
    from source

)

select * from renamed
