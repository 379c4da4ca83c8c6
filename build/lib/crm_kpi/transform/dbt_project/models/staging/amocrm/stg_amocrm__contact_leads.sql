with source as (

    {{ fill_source_columns('raw_amocrm', 'contacts') }}

),

lead_elements as (

    select
        account_id,
        id,
        {{ json_array_elements('_embedded', ['leads']) }} as lead_element
    from source

),

renamed as (

    select
        {{ amocrm_account_key('account_id') }} as account_key,
        {{ id_text('account_id') }} as account_id,
        {{ id_text('id') }} as contact_id,
        {{ json_text('lead_element', ['id']) }} as lead_id
    from lead_elements

)

select * from renamed
