{#
    One row per (deal, contact) link, from both sides of the relation (amoCRM: the lead's
    `_embedded.contacts` and the contact's `_embedded.leads`; Bitrix24: the deal's CONTACT_ID).
#}
with amocrm_links as (

    select
        account_key,
        lead_id as deal_id,
        contact_id,
        is_main_contact
    from {{ ref('stg_amocrm__lead_contacts') }}

    union all

    select
        account_key,
        lead_id as deal_id,
        contact_id,
        false as is_main_contact
    from {{ ref('stg_amocrm__contact_leads') }}

    union all

    select
        account_key,
        deal_id,
        contact_id,
        true as is_main_contact
    from {{ ref('stg_bitrix24__deals') }}

),

deduplicated as (

    select
        account_key,
        deal_id,
        contact_id,
        {{ dbt.bool_or('is_main_contact') }} as is_main_contact
    from amocrm_links
    where deal_id is not null and contact_id is not null
    group by account_key, deal_id, contact_id

)

select * from deduplicated
