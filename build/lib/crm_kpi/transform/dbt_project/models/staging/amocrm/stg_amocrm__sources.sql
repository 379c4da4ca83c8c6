with source as (

    {{ fill_source_columns('raw_amocrm', 'sources') }}

),

renamed as (

    select
        {{ amocrm_account_key('account_id') }} as account_key,
        {{ id_text('account_id') }} as account_id,
        {{ id_text('id') }} as source_id,
        name as source_name,
        {{ id_text('pipeline_id') }} as pipeline_id,
        external_id,
        coalesce("default", false) as is_default,
        origin_code,
        _dlt_load_id as dlt_load_id
    from source

)

select * from renamed
