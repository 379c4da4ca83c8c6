{#
    The long-form custom field values of leads, contacts and companies. The three raw tables
    have one shape (written by the same code) and one grain, so they are unioned here rather
    than in three views. Marker rows (field_id 0: an entity without any value) are dropped,
    and so are rows of an older version of an entity read earlier in the same load (an entity
    edited while the run paged through the list is read twice).
#}

with lead_values as (

    {{ fill_source_columns('raw_amocrm', 'lead_custom_field_values') }}

),

contact_values as (

    {{ fill_source_columns('raw_amocrm', 'contact_custom_field_values') }}

),

company_values as (

    {{ fill_source_columns('raw_amocrm', 'company_custom_field_values') }}

),

all_values as (

    select * from lead_values
    union all
    select * from contact_values
    union all
    select * from company_values

),

versioned_values as (

    select
        *,
        max(updated_at) over (
            partition by account_id, entity_type, entity_id
        ) as latest_updated_at
    from all_values

),

current_values as (

    select *
    from versioned_values
    where updated_at = latest_updated_at or latest_updated_at is null

),

renamed as (

    select
        {{ amocrm_account_key('account_id') }} as account_key,
        {{ id_text('account_id') }} as account_id,
        entity_type,
        {{ id_text('entity_id') }} as entity_id,
        {{ id_text('field_id') }} as field_id,
        cast(value_index as {{ dbt.type_int() }}) as value_index,
        {{ blank_to_null('field_name') }} as field_name,
        {{ blank_to_null('field_code') }} as field_code,
        field_type,
        {{ blank_to_null('value') }} as value_text,
        {{ id_text('enum_id') }} as enum_id,
        {{ blank_to_null('enum_code') }} as enum_code,
        {{ blank_to_null('enum_label') }} as enum_label,
        {{ amocrm_custom_field_display_value('field_type', 'value', 'enum_label') }} as display_value,
        {{ epoch_to_timestamp('updated_at') }} as entity_updated_at,
        _dlt_load_id as dlt_load_id
    from current_values
    where field_id != 0

)

select * from renamed
