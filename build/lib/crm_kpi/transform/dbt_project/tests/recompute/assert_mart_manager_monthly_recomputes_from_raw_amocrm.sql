{#
    An independent recomputation of mart_manager_monthly's revenue, deals won and calls,
    written in plain SQL straight from the raw amoCRM tables (no staging, intermediate or
    core model), for every manager-month of every amoCRM account (the acceptance asks for
    one; on the demo company all of them agree).
    Rules re-implemented from the KPI catalogue: a deal is won when its status is 142; it
    closed at its last entry into 142 (stage-change events), else at the lead's closed_at;
    it belongs to the responsible user at that moment (responsible-change events); deleted
    leads (deletion flag, a last `lead_deleted` event, or in the bin snapshot) are excluded;
    calls are call notes of leads and contacts, attributed to the note's
    creator when that is a user of the account, else to its responsible user when that is
    one (never to a robot, an account id or a deleted user), and call notes of deleted or
    vanished leads are left out; months are local to the account's time zone. Returns the rows where
    the two computations differ (none expected); without raw amoCRM data there is nothing to
    compare.
#}
{#- Raw tables through their column contracts: a missing table is an empty relation. #}
with raw_account as (

    {{ fill_source_columns('raw_amocrm', 'account') }}

),

raw_leads as (

    {{ fill_source_columns('raw_amocrm', 'leads') }}

),

raw_events as (

    {{ fill_source_columns('raw_amocrm', 'events') }}

),

raw_lead_notes as (

    {{ fill_source_columns('raw_amocrm', 'lead_notes') }}

),

raw_contact_notes as (

    {{ fill_source_columns('raw_amocrm', 'contact_notes') }}

),

raw_users as (

    {{ fill_source_columns('raw_amocrm', 'users') }}

),

raw_bin as (

    {{ fill_source_columns('raw_amocrm', 'deleted_entities') }}

),

accounts as (

    select
        'amocrm:' || cast(id as {{ dbt.type_string() }}) as account_key,
        account_id,
        {{ json_text('_embedded', ['datetime_settings', 'timezone']) }} as timezone
    from raw_account

),

leads as (

    select
        account_id,
        id as lead_id,
        status_id,
        price,
        responsible_user_id,
        coalesce(is_deleted, false) as is_deleted,
        {{ epoch_to_timestamp('closed_at') }} as crm_closed_at
    from raw_leads

),

events as (

    select
        account_id,
        id as event_id,
        type as event_type,
        entity_id as lead_id,
        {{ epoch_to_timestamp('created_at') }} as happened_at,
        value_before,
        value_after
    from raw_events
    where entity_type = 'lead'

),

last_won_entries as (

    select
        account_id,
        lead_id,
        max(happened_at) as entered_won_at
    from events
    where
        event_type = 'lead_status_changed'
        and {{ json_text('value_after', [0, 'lead_status', 'id']) }} = '142'
    group by account_id, lead_id

),

deletion_states as (

    select
        account_id,
        lead_id,
        event_type,
        row_number() over (
            partition by account_id, lead_id order by happened_at desc, event_id desc
        ) as recency
    from events
    where event_type in ('lead_deleted', 'lead_restored')

),

{# Leads in the bin snapshot (replaced on every load: what is deleted now). #}
binned_leads as (

    select distinct
        account_id,
        id as lead_id
    from raw_bin
    where entity_type = 'leads'

),

won_leads as (

    select
        leads.account_id,
        leads.lead_id,
        leads.price,
        leads.responsible_user_id,
        coalesce(last_won_entries.entered_won_at, leads.crm_closed_at) as won_at
    from leads
    left join last_won_entries
        on
            leads.account_id = last_won_entries.account_id
            and leads.lead_id = last_won_entries.lead_id
    left join deletion_states
        on
            leads.account_id = deletion_states.account_id
            and leads.lead_id = deletion_states.lead_id
            and deletion_states.recency = 1
    left join binned_leads
        on
            leads.account_id = binned_leads.account_id
            and leads.lead_id = binned_leads.lead_id
    where
        binned_leads.lead_id is null
        and leads.status_id = 142
        and not leads.is_deleted
        and coalesce(deletion_states.event_type, '') <> 'lead_deleted'

),

responsible_changes as (

    select
        account_id,
        lead_id,
        event_id,
        happened_at,
        {{ json_text('value_before', [0, 'responsible_user', 'id']) }} as user_before,
        {{ json_text('value_after', [0, 'responsible_user', 'id']) }} as user_after
    from events
    where event_type = 'entity_responsible_changed'

),

{#
    The responsible user at won_at: the last change at or before it, else the first later
    change's "before", else the current responsible user.
#}
change_before as (

    select
        won_leads.account_id,
        won_leads.lead_id,
        responsible_changes.user_after,
        row_number() over (
            partition by won_leads.account_id, won_leads.lead_id
            order by responsible_changes.happened_at desc, responsible_changes.event_id desc
        ) as recency
    from won_leads
    inner join responsible_changes
        on
            won_leads.account_id = responsible_changes.account_id
            and won_leads.lead_id = responsible_changes.lead_id
            and won_leads.won_at >= responsible_changes.happened_at

),

change_after as (

    select
        won_leads.account_id,
        won_leads.lead_id,
        responsible_changes.user_before,
        row_number() over (
            partition by won_leads.account_id, won_leads.lead_id
            order by responsible_changes.happened_at, responsible_changes.event_id
        ) as earliness
    from won_leads
    inner join responsible_changes
        on
            won_leads.account_id = responsible_changes.account_id
            and won_leads.lead_id = responsible_changes.lead_id
            and won_leads.won_at < responsible_changes.happened_at

),

won_attributed as (

    select
        accounts.account_key,
        coalesce(
            change_before.user_after,
            change_after.user_before,
            cast(won_leads.responsible_user_id as {{ dbt.type_string() }})
        ) as manager_id,
        {{ period_start('month', to_local_date('won_leads.won_at', 'accounts.timezone')) }} as month_start,
        won_leads.price
    from won_leads
    inner join accounts
        on won_leads.account_id = accounts.account_id
    left join change_before
        on
            won_leads.account_id = change_before.account_id
            and won_leads.lead_id = change_before.lead_id
            and change_before.recency = 1
    left join change_after
        on
            won_leads.account_id = change_after.account_id
            and won_leads.lead_id = change_after.lead_id
            and change_after.earliness = 1

),

won_by_manager_month as (

    select
        account_key,
        manager_id,
        month_start,
        count(*) as deals_won,
        sum(coalesce(price, 0)) as revenue
    from won_attributed
    group by account_key, manager_id, month_start

),

live_leads as (

    select
        leads.account_id,
        leads.lead_id
    from leads
    left join deletion_states
        on
            leads.account_id = deletion_states.account_id
            and leads.lead_id = deletion_states.lead_id
            and deletion_states.recency = 1
    left join binned_leads
        on
            leads.account_id = binned_leads.account_id
            and leads.lead_id = binned_leads.lead_id
    where
        binned_leads.lead_id is null
        and not leads.is_deleted
        and coalesce(deletion_states.event_type, '') <> 'lead_deleted'

),

call_notes as (

    select
        raw_lead_notes.account_id,
        raw_lead_notes.created_by,
        raw_lead_notes.responsible_user_id,
        raw_lead_notes.created_at
    from raw_lead_notes
    inner join live_leads
        on
            raw_lead_notes.account_id = live_leads.account_id
            and raw_lead_notes.entity_id = live_leads.lead_id
    where raw_lead_notes.note_type in ('call_in', 'call_out')
    union all
    select
        account_id,
        created_by,
        responsible_user_id,
        created_at
    from raw_contact_notes
    where note_type in ('call_in', 'call_out')

),

calls_attributed as (

    select
        accounts.account_key,
        cast(coalesce(creators.id, responsibles.id) as {{ dbt.type_string() }}) as manager_id,
        {{ to_local_date(epoch_to_timestamp('call_notes.created_at'), 'accounts.timezone') }} as call_date
    from call_notes
    inner join accounts
        on call_notes.account_id = accounts.account_id
    left join raw_users as creators
        on
            call_notes.account_id = creators.account_id
            and call_notes.created_by = creators.id
    left join raw_users as responsibles
        on
            call_notes.account_id = responsibles.account_id
            and call_notes.responsible_user_id = responsibles.id

),

calls_by_manager_month as (

    select
        account_key,
        manager_id,
        {{ period_start('month', 'call_date') }} as month_start,
        count(*) as calls_total
    from calls_attributed
    group by account_key, manager_id, {{ period_start('month', 'call_date') }}

),

checked_month as (

    select
        account_key,
        manager_id,
        month_start,
        revenue,
        deals_won,
        calls_total
    from {{ ref('mart_manager_monthly') }}
    where account_key like 'amocrm:%'

)

select
    checked_month.account_key,
    checked_month.manager_id,
    checked_month.month_start,
    checked_month.revenue as mart_revenue,
    coalesce(won_by_manager_month.revenue, 0) as raw_revenue,
    checked_month.deals_won as mart_deals_won,
    coalesce(won_by_manager_month.deals_won, 0) as raw_deals_won,
    checked_month.calls_total as mart_calls_total,
    coalesce(calls_by_manager_month.calls_total, 0) as raw_calls_total
from checked_month
left join won_by_manager_month
    on
        checked_month.account_key = won_by_manager_month.account_key
        and checked_month.manager_id = won_by_manager_month.manager_id
        and checked_month.month_start = won_by_manager_month.month_start
left join calls_by_manager_month
    on
        checked_month.account_key = calls_by_manager_month.account_key
        and checked_month.manager_id = calls_by_manager_month.manager_id
        and checked_month.month_start = calls_by_manager_month.month_start
where
    checked_month.revenue <> coalesce(won_by_manager_month.revenue, 0)
    or checked_month.deals_won <> coalesce(won_by_manager_month.deals_won, 0)
    or checked_month.calls_total <> coalesce(calls_by_manager_month.calls_total, 0)
