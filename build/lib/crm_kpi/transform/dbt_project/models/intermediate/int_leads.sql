{#
    One row per lead, the pre-deal entity (catalogue section 1: Bitrix24 crm.lead.*), for the
    lead-to-deal conversion KPI. amoCRM has no separate lead entity (its "leads" are deals),
    so only Bitrix24 rows exist. status: converted (STATUS_SEMANTIC_ID S), junk (F) or open.
    converted_deal_id: the deal whose LEAD_ID points at the lead.
#}
with bitrix24_leads as (

    select * from {{ ref('stg_bitrix24__leads') }}

),

deals_from_leads as (

    select
        account_key,
        lead_id,
        min(deal_id) as converted_deal_id
    from {{ ref('stg_bitrix24__deals') }}
    where lead_id is not null
    group by account_key, lead_id

),

accounts as (

    select
        account_key,
        timezone
    from {{ ref('int_accounts') }}

)

select
    bitrix24_leads.account_key,
    'bitrix24' as crm,
    bitrix24_leads.lead_id,
    bitrix24_leads.lead_name,
    bitrix24_leads.status_type as status,
    bitrix24_leads.lead_source,
    bitrix24_leads.responsible_user_id as manager_id,
    bitrix24_leads.contact_id,
    bitrix24_leads.created_at,
    {{ to_local_date('bitrix24_leads.created_at', 'accounts.timezone') }} as created_date,
    case when bitrix24_leads.status_type <> 'open' then bitrix24_leads.closed_at end as closed_at,
    deals_from_leads.converted_deal_id,
    (
        bitrix24_leads.status_type = 'converted' or deals_from_leads.converted_deal_id is not null
    ) as is_converted
from bitrix24_leads
left join deals_from_leads
    on
        bitrix24_leads.account_key = deals_from_leads.account_key
        and bitrix24_leads.lead_id = deals_from_leads.lead_id
left join accounts
    on bitrix24_leads.account_key = accounts.account_key
