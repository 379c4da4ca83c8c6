with source as (

    {{ fill_source_columns('raw_bitrix24', 'leads') }}

),

renamed as (

    select
        {{ bitrix24_account_key('portal') }} as account_key,
        {{ id_text('id') }} as lead_id,
        {{ blank_to_null('title') }} as lead_name,
        status_id,
        case upper(coalesce(status_semantic_id, ''))
            when 'S' then 'converted'
            when 'F' then 'junk'
            else 'open'
        end as status_type,
        coalesce({{ blank_to_null('utm_source') }}, lower({{ blank_to_null('source_id') }})) as lead_source,
        {{ bitrix24_id('assigned_by_id') }} as responsible_user_id,
        {{ bitrix24_id('created_by_id') }} as created_by_user_id,
        {{ bitrix24_id('contact_id') }} as contact_id,
        {{ bitrix24_timestamp('date_create') }} as created_at,
        {{ bitrix24_timestamp('date_modify') }} as updated_at,
        {{ bitrix24_timestamp('date_closed') }} as closed_at,
        _dlt_load_id as dlt_load_id
    from source

)

select * from renamed
