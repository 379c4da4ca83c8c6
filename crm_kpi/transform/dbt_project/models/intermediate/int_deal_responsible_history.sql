-- sqlfluff:indentation:template_blocks_indent:False
{#
    Who was responsible for a deal when: one row per interval [valid_from, valid_to) of one
    responsible user. The first interval starts at NULL (since the deal exists) and holds the
    "before" user of the first recorded change, or the current responsible user when there is
    no change (catalogue: without history, the current responsible user). The last interval
    ends at NULL (still current). amoCRM: `entity_responsible_changed` events of leads.
    Bitrix24: the REST API has no responsible-change history, so each deal has one interval
    with its current ASSIGNED_BY_ID (catalogue: "without history, the current responsible").
    `dlt_load_id`: the deal's change marker (`int_deal_changes`).
    Incremental (issue #11): an incremental build recomputes the intervals of the
    `deals_to_rebuild()` and replaces the deal's rows; a change of the account's time zone
    needs `dbt build --full-refresh`.
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

    {{ deals_to_rebuild(ref('int_deal_changes')) }}

),
{%- endif %}

amocrm_leads as (

    select
        lead_rows.account_key,
        lead_rows.lead_id as deal_id,
        lead_rows.responsible_user_id
    from {{ ref('stg_amocrm__leads') }} as lead_rows
    {{- and_deal_to_rebuild('lead_rows', 'lead_id', keyword='where') }}

),

amocrm_changes as (

    select
        events.account_key,
        events.entity_id as deal_id,
        events.event_id,
        events.created_at as changed_at,
        events.responsible_before_id,
        events.responsible_after_id,
        row_number() over (
            partition by events.account_key, events.entity_id
            order by events.created_at, events.event_id
        ) as change_seq,
        lead(events.created_at) over (
            partition by events.account_key, events.entity_id
            order by events.created_at, events.event_id
        ) as next_changed_at
    from {{ ref('stg_amocrm__events') }} as events
    where
        events.event_type = 'entity_responsible_changed'
        and events.entity_type = 'lead'
        {{- and_deal_to_rebuild('events', 'entity_id') }}

),

initial_intervals as (

    select
        amocrm_leads.account_key,
        amocrm_leads.deal_id,
        0 as change_seq,
        case
            when first_changes.deal_id is not null then first_changes.responsible_before_id
            else amocrm_leads.responsible_user_id
        end as manager_id,
        cast(null as {{ dbt.type_timestamp() }}) as valid_from,
        first_changes.changed_at as valid_to
    from amocrm_leads
    left join amocrm_changes as first_changes
        on
            amocrm_leads.account_key = first_changes.account_key
            and amocrm_leads.deal_id = first_changes.deal_id
            and first_changes.change_seq = 1

),

change_intervals as (

    select
        amocrm_changes.account_key,
        amocrm_changes.deal_id,
        amocrm_changes.change_seq,
        amocrm_changes.responsible_after_id as manager_id,
        amocrm_changes.changed_at as valid_from,
        amocrm_changes.next_changed_at as valid_to
    from amocrm_changes
    inner join amocrm_leads
        on
            amocrm_changes.account_key = amocrm_leads.account_key
            and amocrm_changes.deal_id = amocrm_leads.deal_id

),

{# Bitrix24 REST exposes no ASSIGNED_BY_ID history: one open interval, the current user. #}
bitrix24_intervals as (

    select
        deal_rows.account_key,
        deal_rows.deal_id,
        0 as change_seq,
        deal_rows.responsible_user_id as manager_id,
        cast(null as {{ dbt.type_timestamp() }}) as valid_from,
        cast(null as {{ dbt.type_timestamp() }}) as valid_to
    from {{ ref('stg_bitrix24__deals') }} as deal_rows
    {{- and_deal_to_rebuild('deal_rows', keyword='where') }}

),

intervals as (

    select * from initial_intervals
    union all
    select * from change_intervals
    union all
    select * from bitrix24_intervals

),

accounts as (

    select
        account_key,
        timezone
    from {{ ref('int_accounts') }}

)

select
    intervals.account_key,
    intervals.deal_id,
    intervals.change_seq,
    intervals.manager_id,
    intervals.valid_from,
    intervals.valid_to,
    {{ to_local_date('intervals.valid_from', 'accounts.timezone') }} as valid_from_date,
    {{ to_local_date('intervals.valid_to', 'accounts.timezone') }} as valid_to_date,
    intervals.valid_to is null as is_current,
    changes.dlt_load_id,
    {{ this_invocation() }} as dbt_invocation_id
from intervals
left join accounts
    on intervals.account_key = accounts.account_key
left join {{ ref('int_deal_changes') }} as changes
    on
        intervals.account_key = changes.account_key
        and intervals.deal_id = changes.deal_id
