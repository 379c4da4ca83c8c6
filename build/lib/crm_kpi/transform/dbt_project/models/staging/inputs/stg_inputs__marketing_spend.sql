with source as (

    {{ fill_source_columns('raw_inputs', 'marketing_spend') }}

),

renamed as (

    select
        account_key,
        lead_source,
        cast({{ concat_parts(['month', "'-01'"]) }} as date) as month_start,
        cast(spend as {{ type_money() }}) as spend,
        source_file,
        source_line,
        _dlt_load_id as dlt_load_id
    from source

)

select * from renamed
