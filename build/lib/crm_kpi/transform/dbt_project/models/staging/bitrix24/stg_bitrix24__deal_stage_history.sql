with source as (

    {{ fill_source_columns('raw_bitrix24', 'deal_stage_history') }}

),

renamed as (

    select
        {{ bitrix24_account_key('portal') }} as account_key,
        {{ id_text('id') }} as history_id,
        cast(type_id as {{ dbt.type_int() }}) as history_type_id,
        {{ id_text('owner_id') }} as deal_id,
        {{ id_text('category_id') }} as pipeline_id,
        {{ blank_to_null('stage_id') }} as stage_id,
        {{ bitrix24_status_type('stage_semantic_id') }} as status_type,
        {{ bitrix24_timestamp('created_time') }} as created_at,
        _dlt_load_id as dlt_load_id
    from source

)

select * from renamed
