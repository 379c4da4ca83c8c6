with source as (

    {{ fill_source_columns('raw_amocrm', 'leads') }}

),

contact_elements as (

    select
        account_id,
        id,
        {{ json_array_elements('_embedded', ['contacts']) }} as contact_element
    from source

),

renamed as (

    select
        {{ amocrm_account_key('account_id') }} as account_key,
        {{ id_text('account_id') }} as account_id,
        {{ id_text('id') }} as lead_id,
        {{ json_text('contact_element', ['id']) }} as contact_id,
        coalesce(
            cast({{ json_text('contact_element', ['is_main']) }} as {{ dbt.type_boolean() }}),
            false
        ) as is_main_contact
    from contact_elements

)

select * from renamed
