with source as (

    {{ fill_source_columns('raw_inputs', 'sales_plan') }}

),

renamed as (

    select
        account_key,
        manager_id,
        lower(manager_email) as manager_email,
        cast({{ concat_parts(['month', "'-01'"]) }} as date) as month_start,
        lower(metric) as metric,
        cast(target as {{ type_money() }}) as target,  -- noqa: RF04
        source_file,
        source_line,
        _dlt_load_id as dlt_load_id
    from source

)

select * from renamed
