with source as (

    {{ fill_source_columns('raw_bitrix24', '_dlt_loads') }}

),

renamed as (

    select
        load_id,
        {{ epoch_to_timestamp('cast(load_id as ' ~ type_double() ~ ')') }} as load_started_at,
        {{ offset_timestamp_to_utc('inserted_at') }} as loaded_at,
        coalesce(status = 0, false) as is_successful
    from source

)

select * from renamed
