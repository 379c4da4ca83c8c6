-- sqlfluff:indentation:template_blocks_indent:False
{#
    One row per deal in the canonical cross-CRM shape (amoCRM: a lead; Bitrix24: a deal).
    - crm: 'amocrm' or 'bitrix24'.
    - amount: in the account's base currency (Bitrix24: OPPORTUNITY times the crm.currency.list
      rate of CURRENCY_ID); amount_original / currency_original: as the CRM holds it.
    - status: won / lost / open from the current stage's semantics.
    - closed_at: the last time the deal entered its current won/lost status (stage-change
      history), falling back to the CRM's own closing time; NULL for open deals, whatever their
      history. A deal won, reopened and won again therefore closes once, at its last win.
    - creating_manager_id / closing_manager_id: the responsible user at created_at / closed_at,
      from the responsible-change history (the current responsible user when there is none).
    - is_deleted: amoCRM: the lead's deletion flag, its presence in the bin snapshot
      (`deleted_entities`, replaced on every load: what is deleted now), or a last deletion
      event not followed by a restoration; Bitrix24: the source's ID-scan reconciliation
      (raw `deletions`). An amoCRM lead known only from the bin or its deletion events (deleted
      before it was ever loaded) is still a row: pipeline, stage and status from its last
      stage-change event (else status `open`), created_at from its earliest event, the manager
      from its responsible history; no name or amount.
    - Bitrix24 closed_at: last entry into the won/lost stage from crm.stagehistory.list, else
      CLOSEDATE.
    - dlt_load_id: the deal's change marker (`int_deal_changes`).
    Incremental (issue #11): an incremental build recomputes the `deals_to_rebuild()` (changed
    since the last build, without a marker, or held as deleted otherwise than the deletion
    records say now: bin entry, flag, last deletion event, Bitrix24 deletion) and replaces
    their rows; a change of the account's currency or time zone or of Bitrix24 currency rates
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

    {{ deals_to_rebuild(ref('int_deal_changes'), 'is_deleted', deleted_now=deals_deleted_now()) }}

),
{%- endif %}

amocrm_leads as (

    select lead_rows.*
    from {{ ref('stg_amocrm__leads') }} as lead_rows
    {{- and_deal_to_rebuild('lead_rows', 'lead_id', keyword='where') }}

),

transitions as (

    select transition_rows.*
    from {{ ref('int_stage_transitions') }} as transition_rows
    {{- and_deal_to_rebuild('transition_rows', keyword='where') }}

),

accounts as (

    select
        account_key,
        currency_code
    from {{ ref('int_accounts') }}

),

responsible_history as (

    select history_rows.*
    from {{ ref('int_deal_responsible_history') }} as history_rows
    {{- and_deal_to_rebuild('history_rows', keyword='where') }}

),

amocrm_deletion_events as (

    select
        events.account_key,
        events.entity_id as deal_id,
        events.event_type,
        row_number() over (
            partition by events.account_key, events.entity_id
            order by events.created_at desc, events.event_id desc
        ) as recency
    from {{ ref('stg_amocrm__events') }} as events
    where
        events.entity_type = 'lead'
        and events.event_type in ('lead_deleted', 'lead_restored')
        {{- and_deal_to_rebuild('events', 'entity_id') }}

),

amocrm_bin as (

    select distinct
        bin_rows.account_key,
        bin_rows.entity_id as deal_id
    from {{ ref('stg_amocrm__deleted_entities') }} as bin_rows
    where
        bin_rows.entity_type = 'leads'
        and bin_rows.is_deleted
        {{- and_deal_to_rebuild('bin_rows', 'entity_id') }}

),

amocrm_deleted_ids as (

    select
        account_key,
        deal_id
    from amocrm_bin

    union

    select
        account_key,
        deal_id
    from amocrm_deletion_events
    where recency = 1 and event_type = 'lead_deleted'

),

{# Leads deleted before they were ever loaded: known only from the bin or deletion events. #}
amocrm_leads_known_only_as_deleted as (

    select
        deleted_ids.account_key,
        deleted_ids.deal_id
    from amocrm_deleted_ids as deleted_ids
    left join amocrm_leads
        on
            deleted_ids.account_key = amocrm_leads.account_key
            and deleted_ids.deal_id = amocrm_leads.lead_id
    where amocrm_leads.lead_id is null

),

{#
    The earliest event and the last stage change of a lead known only as deleted: computed for
    those few leads only, not for every lead (issue #11).
#}
amocrm_lead_events as (

    select
        events.account_key,
        events.entity_id as deal_id,
        min(events.created_at) as first_event_at
    from {{ ref('stg_amocrm__events') }} as events
    inner join amocrm_leads_known_only_as_deleted as deleted_only
        on
            events.account_key = deleted_only.account_key
            and events.entity_id = deleted_only.deal_id
    where events.entity_type = 'lead'
    group by events.account_key, events.entity_id

),

last_transitions as (

    select
        transitions.account_key,
        transitions.deal_id,
        transitions.to_pipeline_id,
        transitions.to_stage_id,
        transitions.to_status,
        row_number() over (
            partition by transitions.account_key, transitions.deal_id
            order by transitions.changed_at desc, transitions.transition_seq desc
        ) as recency
    from transitions
    inner join amocrm_leads_known_only_as_deleted as deleted_only
        on
            transitions.account_key = deleted_only.account_key
            and transitions.deal_id = deleted_only.deal_id

),

current_responsibles as (

    select
        account_key,
        deal_id,
        manager_id
    from responsible_history
    where valid_to is null

),

amocrm_deleted_only_rows as (

    select
        deleted_only.account_key,
        deleted_only.deal_id,
        cast(null as {{ dbt.type_string() }}) as lead_name,
        last_transitions.to_pipeline_id as pipeline_id,
        last_transitions.to_stage_id as status_id,
        coalesce(last_transitions.to_status, 'open') as status_type,
        cast(null as {{ type_money() }}) as price,
        lead_events.first_event_at as created_at,
        cast(null as {{ dbt.type_timestamp() }}) as closed_at,
        lead_events.first_event_at as updated_at,
        current_responsibles.manager_id as responsible_user_id,
        cast(null as {{ dbt.type_string() }}) as lead_source,
        cast(null as {{ dbt.type_string() }}) as loss_reason_id,
        cast(null as {{ dbt.type_string() }}) as loss_reason_name,
        cast(null as {{ dbt.type_string() }}) as main_contact_id,
        cast(null as {{ dbt.type_string() }}) as company_id,
        true as is_deleted
    from amocrm_leads_known_only_as_deleted as deleted_only
    left join last_transitions
        on
            deleted_only.account_key = last_transitions.account_key
            and deleted_only.deal_id = last_transitions.deal_id
            and last_transitions.recency = 1
    left join amocrm_lead_events as lead_events
        on
            deleted_only.account_key = lead_events.account_key
            and deleted_only.deal_id = lead_events.deal_id
    left join current_responsibles
        on
            deleted_only.account_key = current_responsibles.account_key
            and deleted_only.deal_id = current_responsibles.deal_id

),

amocrm_all_leads as (

    select
        account_key,
        lead_id as deal_id,
        lead_name,
        pipeline_id,
        status_id,
        status_type,
        price,
        created_at,
        closed_at,
        updated_at,
        responsible_user_id,
        lead_source,
        loss_reason_id,
        loss_reason_name,
        main_contact_id,
        company_id,
        is_deleted
    from amocrm_leads

    union all

    select
        account_key,
        deal_id,
        lead_name,
        pipeline_id,
        status_id,
        status_type,
        price,
        created_at,
        closed_at,
        updated_at,
        responsible_user_id,
        lead_source,
        loss_reason_id,
        loss_reason_name,
        main_contact_id,
        company_id,
        is_deleted
    from amocrm_deleted_only_rows

),

last_entries_into_closed_status as (

    select
        account_key,
        deal_id,
        to_status,
        max(changed_at) as entered_at
    from transitions
    where to_status in ('won', 'lost')
    group by account_key, deal_id, to_status

),

amocrm_deals as (

    select
        amocrm_leads.account_key,
        'amocrm' as crm,
        amocrm_leads.deal_id,
        amocrm_leads.lead_name as deal_name,
        amocrm_leads.pipeline_id,
        amocrm_leads.status_id as stage_id,
        amocrm_leads.status_type as status,
        amocrm_leads.price as amount,
        amocrm_leads.price as amount_original,
        accounts.currency_code as currency_original,
        amocrm_leads.created_at,
        case
            when amocrm_leads.status_type in ('won', 'lost')
                then coalesce(last_entries.entered_at, amocrm_leads.closed_at)
        end as closed_at,
        amocrm_leads.closed_at as crm_closed_at,
        amocrm_leads.updated_at,
        amocrm_leads.responsible_user_id as manager_id,
        amocrm_leads.lead_source,
        amocrm_leads.loss_reason_id,
        coalesce(amocrm_leads.loss_reason_name, amocrm_leads.loss_reason_id) as loss_reason,
        amocrm_leads.main_contact_id as contact_id,
        amocrm_leads.company_id,
        (
            amocrm_leads.is_deleted
            or bin.deal_id is not null
            or coalesce(deletion_events.event_type = 'lead_deleted', false)
        ) as is_deleted
    from amocrm_all_leads as amocrm_leads
    left join last_entries_into_closed_status as last_entries
        on
            amocrm_leads.account_key = last_entries.account_key
            and amocrm_leads.deal_id = last_entries.deal_id
            and amocrm_leads.status_type = last_entries.to_status
    left join amocrm_deletion_events as deletion_events
        on
            amocrm_leads.account_key = deletion_events.account_key
            and amocrm_leads.deal_id = deletion_events.deal_id
            and deletion_events.recency = 1
    left join amocrm_bin as bin
        on
            amocrm_leads.account_key = bin.account_key
            and amocrm_leads.deal_id = bin.deal_id
    left join accounts
        on amocrm_leads.account_key = accounts.account_key

),

bitrix24_deletions as (

    select
        deletion_rows.account_key,
        deletion_rows.entity_id as deal_id,
        deletion_rows.is_deleted
    from {{ ref('stg_bitrix24__deletions') }} as deletion_rows
    where
        deletion_rows.entity_type = 'deal'
        {{- and_deal_to_rebuild('deletion_rows', 'entity_id') }}

),

bitrix24_deals as (

    select
        bitrix24_rows.account_key,
        'bitrix24' as crm,
        bitrix24_rows.deal_id,
        bitrix24_rows.deal_name,
        bitrix24_rows.pipeline_id,
        bitrix24_rows.stage_id,
        bitrix24_rows.status_type as status,
        cast(
            bitrix24_rows.amount_original * coalesce(
                case when bitrix24_rows.currency_original = accounts.currency_code then 1 end,
                rates.rate_to_base
            ) as {{ type_money() }}
        ) as amount,
        bitrix24_rows.amount_original,
        bitrix24_rows.currency_original,
        bitrix24_rows.created_at,
        case
            when bitrix24_rows.status_type in ('won', 'lost')
                then coalesce(last_entries.entered_at, bitrix24_rows.close_date_at)
        end as closed_at,
        case when bitrix24_rows.is_closed then bitrix24_rows.close_date_at end as crm_closed_at,
        bitrix24_rows.updated_at,
        bitrix24_rows.responsible_user_id as manager_id,
        bitrix24_rows.lead_source,
        cast(null as {{ dbt.type_string() }}) as loss_reason_id,
        cast(null as {{ dbt.type_string() }}) as loss_reason,
        bitrix24_rows.contact_id,
        bitrix24_rows.company_id,
        coalesce(deletions.is_deleted, false) as is_deleted
    from {{ ref('stg_bitrix24__deals') }} as bitrix24_rows
    left join accounts
        on bitrix24_rows.account_key = accounts.account_key
    left join {{ ref('stg_bitrix24__currencies') }} as rates
        on
            bitrix24_rows.account_key = rates.account_key
            and bitrix24_rows.currency_original = rates.currency_code
    left join last_entries_into_closed_status as last_entries
        on
            bitrix24_rows.account_key = last_entries.account_key
            and bitrix24_rows.deal_id = last_entries.deal_id
            and bitrix24_rows.status_type = last_entries.to_status
    left join bitrix24_deletions as deletions
        on
            bitrix24_rows.account_key = deletions.account_key
            and bitrix24_rows.deal_id = deletions.deal_id
    {{- and_deal_to_rebuild('bitrix24_rows', keyword='where') }}

),

deals as (

    select * from amocrm_deals
    union all
    select * from bitrix24_deals

),

{#
    The responsible user at creation and at closing. Matched by an inner join on the deal and
    then filtered on the interval, so that the join is a hash join on the deal: an `or` in a
    left join's condition makes DuckDB compare every deal with every interval (issue #11).
#}
managers_at_creation as (

    select
        deals.account_key,
        deals.deal_id,
        history.manager_id
    from deals
    inner join responsible_history as history
        on
            deals.account_key = history.account_key
            and deals.deal_id = history.deal_id
    where
        (history.valid_from is null or deals.created_at >= history.valid_from)
        and (history.valid_to is null or deals.created_at < history.valid_to)

),

managers_at_closing as (

    select
        deals.account_key,
        deals.deal_id,
        history.manager_id
    from deals
    inner join responsible_history as history
        on
            deals.account_key = history.account_key
            and deals.deal_id = history.deal_id
    where
        (history.valid_from is null or deals.closed_at >= history.valid_from)
        and (history.valid_to is null or deals.closed_at < history.valid_to)

),

with_managers as (

    select
        deals.account_key,
        deals.crm,
        deals.deal_id,
        deals.deal_name,
        deals.pipeline_id,
        deals.stage_id,
        deals.status,
        deals.amount,
        deals.amount_original,
        deals.currency_original,
        deals.created_at,
        deals.closed_at,
        deals.crm_closed_at,
        deals.updated_at,
        deals.manager_id,
        coalesce(at_creation.manager_id, deals.manager_id) as creating_manager_id,
        case
            when deals.status in ('won', 'lost')
                then coalesce(at_closing.manager_id, deals.manager_id)
        end as closing_manager_id,
        deals.lead_source,
        deals.loss_reason_id,
        deals.loss_reason,
        deals.contact_id,
        deals.company_id,
        deals.is_deleted,
        changes.dlt_load_id
    from deals
    left join {{ ref('int_deal_changes') }} as changes
        on
            deals.account_key = changes.account_key
            and deals.deal_id = changes.deal_id
    left join managers_at_creation as at_creation
        on
            deals.account_key = at_creation.account_key
            and deals.deal_id = at_creation.deal_id
    left join managers_at_closing as at_closing
        on
            deals.account_key = at_closing.account_key
            and deals.deal_id = at_closing.deal_id

)

select
    *,
    {{ this_invocation() }} as dbt_invocation_id
from with_managers
