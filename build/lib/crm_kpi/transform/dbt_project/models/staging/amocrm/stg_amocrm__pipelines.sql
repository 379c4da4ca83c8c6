with source as (

    {{ fill_source_columns('raw_amocrm', 'pipelines') }}

),

renamed as (

    select
        {{ amocrm_account_key('account_id') }} as account_key,
        {{ id_text('account_id') }} as account_id,
        {{ id_text('id') }} as pipeline_id,
        name as pipeline_name,
        cast(sort as {{ dbt.type_int() }}) as pipeline_sort,
        coalesce(is_main, false) as is_main,
        coalesce(is_unsorted_on, false) as is_unsorted_on,
        coalesce(is_archive, false) as is_archived,
        _dlt_load_id as dlt_load_id
    from source

)

select * from renamed
