-- sqlfluff:indentation:template_blocks_indent:False
{#
    Incremental (issue #11): an incremental build recomputes the `deals_to_rebuild()` (their
    marker `dlt_load_id` from `int_deals` also moves with their activities and their
    contacts' activities) and replaces their rows.
#}
{{ config(
    materialized='incremental',
    unique_key=['account_key', 'deal_id'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with
{%- if is_incremental() %}
deals_to_rebuild as (

    {{ deals_to_rebuild(ref('int_deals'), 'is_deleted') }}

),
{%- endif %}

deals as (

    select deal_rows.*
    from {{ ref('int_deals') }} as deal_rows
    {{- and_deal_to_rebuild('deal_rows', keyword='where') }}

),

accounts as (

    select * from {{ ref('int_accounts') }}

),

deal_contacts as (

    select * from {{ ref('int_deal_contacts') }}

),

{# Outbound contact: outbound call, e-mail or chat message, or a completed meeting. #}
outbound_touches as (

    select
        account_key,
        deal_id,
        contact_id,
        occurred_at as touched_at
    from {{ ref('int_activities') }}
    where
        (activity_type in ('call', 'email', 'chat_message') and direction = 'outbound')
        or (activity_type = 'meeting' and is_completed)

),

deal_touches as (

    select
        deals.account_key,
        deals.deal_id,
        outbound_touches.touched_at
    from deals
    inner join outbound_touches
        on
            deals.account_key = outbound_touches.account_key
            and deals.deal_id = outbound_touches.deal_id
            and deals.created_at <= outbound_touches.touched_at

    union all

    select
        deals.account_key,
        deals.deal_id,
        outbound_touches.touched_at
    from deals
    inner join deal_contacts
        on
            deals.account_key = deal_contacts.account_key
            and deals.deal_id = deal_contacts.deal_id
    inner join outbound_touches
        on
            deal_contacts.account_key = outbound_touches.account_key
            and deal_contacts.contact_id = outbound_touches.contact_id
            and deals.created_at <= outbound_touches.touched_at

),

first_touches as (

    select
        account_key,
        deal_id,
        min(touched_at) as first_response_at
    from deal_touches
    group by account_key, deal_id

)

select
    deals.account_key,
    deals.deal_id,
    deals.deal_name,
    deals.pipeline_id,
    deals.stage_id,
    deals.status,
    deals.amount,
    accounts.currency_code as currency,
    coalesce(deals.amount_original, deals.amount) as amount_original,
    coalesce(deals.currency_original, accounts.currency_code) as currency_original,
    deals.created_at,
    {{ to_local_date('deals.created_at', 'accounts.timezone') }} as created_date,
    deals.closed_at,
    {{ to_local_date('deals.closed_at', 'accounts.timezone') }} as closed_date,
    case
        when deals.status in ('won', 'lost') and deals.closed_at is not null
            then {{ days_between('deals.created_at', 'deals.closed_at') }}
    end as days_to_close,
    deals.manager_id,
    deals.closing_manager_id,
    deals.creating_manager_id,
    deals.lead_source,
    deals.loss_reason,
    deals.contact_id,
    deals.company_id,
    deals.is_deleted,
    first_touches.first_response_at,
    {{ minutes_between('deals.created_at', 'first_touches.first_response_at') }} as first_response_minutes,
    deals.dlt_load_id,
    {{ this_invocation() }} as dbt_invocation_id
from deals
left join accounts
    on deals.account_key = accounts.account_key
left join first_touches
    on
        deals.account_key = first_touches.account_key
        and deals.deal_id = first_touches.deal_id
