with source as (

    {{ fill_source_columns('raw_bitrix24', 'statuses') }}

),

renamed as (

    select
        {{ bitrix24_account_key('portal') }} as account_key,
        entity_id as dictionary_id,
        status_id,
        name as status_name,
        cast(nullif(sort, '') as {{ dbt.type_int() }}) as status_sort,
        {{ bitrix24_status_type('semantics') }} as status_type,
        case
            when entity_id = 'DEAL_STAGE' then '0'
            when entity_id like 'DEAL\_STAGE\_%' escape '\' then substr(entity_id, 12)
        end as pipeline_id,
        _dlt_load_id as dlt_load_id
    from source

)

select * from renamed
