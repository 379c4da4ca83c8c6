{#
    One row per (deal, contact) link, from both sides of the relation (amoCRM: the lead's
    `_embedded.contacts` and the contact's `_embedded.leads`; Bitrix24: the deal's CONTACT_ID): the per-CRM models
    int_<crm>__deal_contacts, deduplicated.
#}
with links as (

    {{ union_crm_models('deal_contacts') }}

),

deduplicated as (

    select
        account_key,
        deal_id,
        contact_id,
        {{ dbt.bool_or('is_main_contact') }} as is_main_contact
    from links
    where deal_id is not null and contact_id is not null
    group by account_key, deal_id, contact_id

)

select * from deduplicated
