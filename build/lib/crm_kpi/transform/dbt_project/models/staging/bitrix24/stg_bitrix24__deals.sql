with source as (

    {{ fill_source_columns('raw_bitrix24', 'deals') }}

),

renamed as (

    select
        {{ bitrix24_account_key('portal') }} as account_key,
        portal,
        {{ id_text('id') }} as deal_id,
        {{ blank_to_null('title') }} as deal_name,
        coalesce({{ blank_to_null('category_id') }}, '0') as pipeline_id,
        {{ blank_to_null('stage_id') }} as stage_id,
        {{ bitrix24_status_type('stage_semantic_id') }} as status_type,
        cast(nullif(opportunity, '') as {{ type_money() }}) as amount_original,
        {{ blank_to_null('currency_id') }} as currency_original,
        {{ bitrix24_id('lead_id') }} as lead_id,
        {{ bitrix24_id('contact_id') }} as contact_id,
        {{ bitrix24_id('company_id') }} as company_id,
        {{ bitrix24_id('assigned_by_id') }} as responsible_user_id,
        {{ bitrix24_id('created_by_id') }} as created_by_user_id,
        {{ bitrix24_id('modify_by_id') }} as updated_by_user_id,
        {{ bitrix24_timestamp('date_create') }} as created_at,
        {{ bitrix24_timestamp('date_modify') }} as updated_at,
        {{ bitrix24_timestamp('closedate') }} as close_date_at,
        {{ bitrix24_flag('closed') }} as is_closed,
        coalesce({{ blank_to_null('utm_source') }}, lower({{ blank_to_null('source_id') }})) as lead_source,
        _dlt_load_id as dlt_load_id
    from source

)

select * from renamed
