-- sqlfluff:indentation:template_blocks_indent:False
{#
    The deal-level change marker of the incremental deal chain (issue #11): one row per deal
    with `dlt_load_id`, the newest dlt load that changed anything a deal model reads for it:
    its raw row, its events (stage, responsible, deletion, restoration), its Bitrix24 stage
    history or deletion record, its activities, the activities of its contacts and its contact
    links. Not the amoCRM bin: dlt replaces that snapshot on every load, which would mark
    every lead in it every night; the deal models compare deletion states instead
    (`deals_to_rebuild()`). An incremental build reads only the rows of loads newer than the
    newest it holds of their account (raw rows are dlt-merged: a changed row carries the new
    load id),
    so a deal's marker is always the newest of its loads, as in a full build.
#}
{{ config(
    materialized='incremental',
    unique_key=['account_key', 'deal_id'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with amocrm_lead_rows as (

    select
        account_key,
        lead_id as deal_id,
        dlt_load_id
    from {{ ref('stg_amocrm__leads') }}{{ where_newer_load(ref('stg_amocrm__leads')) }}

),

amocrm_lead_events as (

    select
        account_key,
        entity_id as deal_id,
        dlt_load_id
    from {{ ref('stg_amocrm__events') }}
    where entity_type = 'lead'{{ and_newer_load(ref('stg_amocrm__events')) }}

),

bitrix24_deal_rows as (

    select
        account_key,
        deal_id,
        dlt_load_id
    from {{ ref('stg_bitrix24__deals') }}{{ where_newer_load(ref('stg_bitrix24__deals')) }}

),

bitrix24_stage_history as (

    select
        account_key,
        deal_id,
        dlt_load_id
    from {{ ref('stg_bitrix24__deal_stage_history') }}{{ where_newer_load(ref('stg_bitrix24__deal_stage_history')) }}

),

bitrix24_deletions as (

    select
        account_key,
        entity_id as deal_id,
        dlt_load_id
    from {{ ref('stg_bitrix24__deletions') }}
    where entity_type = 'deal'{{ and_newer_load(ref('stg_bitrix24__deletions')) }}

),

changed_activities as (

    select
        account_key,
        deal_id,
        contact_id,
        dlt_load_id
    from {{ ref('int_activities') }}
    where (deal_id is not null or contact_id is not null){{ and_newer_load(ref('int_activities')) }}

),

deal_activities as (

    select
        account_key,
        deal_id,
        dlt_load_id
    from changed_activities
    where deal_id is not null

),

{# A contact's activity can be its deals' first response (`fct_deals`). #}
contact_activities as (

    select
        deal_contacts.account_key,
        deal_contacts.deal_id,
        changed_activities.dlt_load_id
    from changed_activities
    inner join {{ ref('int_deal_contacts') }} as deal_contacts
        on
            changed_activities.account_key = deal_contacts.account_key
            and changed_activities.contact_id = deal_contacts.contact_id

),

{# amoCRM contacts carry links to their leads (`_embedded.leads`). #}
amocrm_contact_links as (

    select
        deal_contacts.account_key,
        deal_contacts.deal_id,
        contact_rows.dlt_load_id
    from {{ ref('stg_amocrm__contacts') }} as contact_rows
    inner join {{ ref('int_deal_contacts') }} as deal_contacts
        on
            contact_rows.account_key = deal_contacts.account_key
            and contact_rows.contact_id = deal_contacts.contact_id
    {{ where_newer_load(ref('stg_amocrm__contacts'), 'contact_rows') }}

),

changes as (

    select * from amocrm_lead_rows
    union all
    select * from amocrm_lead_events
    union all
    select * from bitrix24_deal_rows
    union all
    select * from bitrix24_stage_history
    union all
    select * from bitrix24_deletions
    union all
    select * from deal_activities
    union all
    select * from contact_activities
    union all
    select * from amocrm_contact_links

)

select
    account_key,
    deal_id,
    max(dlt_load_id) as dlt_load_id,
    {{ this_invocation() }} as dbt_invocation_id
from changes
where deal_id is not null
group by account_key, deal_id
