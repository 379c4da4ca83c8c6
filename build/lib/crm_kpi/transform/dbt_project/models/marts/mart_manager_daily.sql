{#
    Manager x local day. Spine first (managers in scope x every day of the account's data
    range; a leaver stays while holding open deals or open tasks), then one pre-aggregate per
    measure family, then left joins: nothing fans out and empty days are zeros. Activities
    without a manager or linked to a deleted deal are left out.
#}
with deals as (

    select * from {{ ref('fct_deals') }}
    where not is_deleted

),

activities as (

    select * from {{ ref('fct_activities') }}
    where manager_id is not null and not is_deal_deleted

),

responsible_history as (

    select * from {{ ref('int_deal_responsible_history') }}
    where manager_id is not null

),

accounts as (

    select
        account_key,
        as_of_date
    from {{ ref('int_accounts') }}

),

managers as (

    select
        account_key,
        manager_id,
        is_active
    from {{ ref('dim_managers') }}

),

calendar as (

    select date_day from {{ ref('dim_dates') }}

),

deals_created as (

    select
        account_key,
        creating_manager_id as manager_id,
        created_date as activity_date,
        count(*) as deals_created
    from deals
    where creating_manager_id is not null and created_date is not null
    group by account_key, creating_manager_id, created_date

),

deals_closed as (

    select
        account_key,
        closing_manager_id as manager_id,
        closed_date as activity_date,
        sum(case when status = 'won' then 1 else 0 end) as deals_won,
        sum(case when status = 'won' then coalesce(amount, 0) else 0 end) as revenue,
        sum(case when status = 'lost' then 1 else 0 end) as deals_lost,
        sum(case when status = 'lost' then coalesce(amount, 0) else 0 end) as lost_amount
    from deals
    where
        status in ('won', 'lost')
        and closing_manager_id is not null
        and closed_date is not null
    group by account_key, closing_manager_id, closed_date

),

calls as (

    select
        account_key,
        manager_id,
        occurred_date as activity_date,
        count(*) as calls_total,
        sum(case when direction = 'outbound' then 1 else 0 end) as calls_outbound,
        sum(case when direction = 'inbound' then 1 else 0 end) as calls_inbound,
        sum(case when is_answered then 1 else 0 end) as calls_answered,
        sum(case when direction = 'inbound' and not is_answered then 1 else 0 end) as calls_missed,
        sum(case when is_answered then coalesce(duration_seconds, 0) else 0 end) as call_duration_seconds
    from activities
    where activity_type = 'call'
    group by account_key, manager_id, occurred_date

),

meetings_held as (

    select
        account_key,
        manager_id,
        occurred_date as activity_date,
        count(*) as meetings_held
    from activities
    where activity_type = 'meeting' and is_completed and occurred_date is not null
    group by account_key, manager_id, occurred_date

),

emails as (

    select
        account_key,
        manager_id,
        occurred_date as activity_date,
        sum(case when direction = 'outbound' then 1 else 0 end) as emails_sent,
        sum(case when direction = 'inbound' then 1 else 0 end) as emails_received
    from activities
    where activity_type = 'email'
    group by account_key, manager_id, occurred_date

),

tasks_created as (

    select
        account_key,
        manager_id,
        created_date as activity_date,
        count(*) as tasks_created
    from activities
    where is_task
    group by account_key, manager_id, created_date

),

tasks_completed as (

    select
        account_key,
        manager_id,
        completed_date as activity_date,
        count(*) as tasks_completed,
        sum(case when is_completed_on_time then 1 else 0 end) as tasks_completed_on_time
    from activities
    where is_task and completed_date is not null
    group by account_key, manager_id, completed_date

),

tasks_overdue as (

    select
        account_key,
        manager_id,
        due_date as activity_date,
        count(*) as tasks_overdue
    from activities
    where is_task and is_overdue
    group by account_key, manager_id, due_date

),

notes as (

    select
        account_key,
        manager_id,
        occurred_date as activity_date,
        count(*) as notes_created
    from activities
    where activity_type = 'note'
    group by account_key, manager_id, occurred_date

),

activity_moments as (

    select
        account_key,
        manager_id,
        occurred_date as activity_date,
        occurred_at as moment_at
    from activities
    where activity_type in ('call', 'email', 'note', 'chat_message')

    union all

    select
        account_key,
        manager_id,
        completed_date as activity_date,
        completed_at as moment_at
    from activities
    where activity_type = 'task' and completed_at is not null

    union all

    select
        account_key,
        manager_id,
        occurred_date as activity_date,
        occurred_at as moment_at
    from activities
    where activity_type = 'meeting' and is_completed and occurred_at is not null

),

activity_span as (

    select
        account_key,
        manager_id,
        activity_date,
        min(moment_at) as first_activity_at,
        max(moment_at) as last_activity_at
    from activity_moments
    where activity_date is not null
    group by account_key, manager_id, activity_date

),

measured_days as (

    select
        account_key,
        manager_id,
        activity_date
    from deals_created
    union all
    select
        account_key,
        manager_id,
        activity_date
    from deals_closed
    union all
    select
        account_key,
        manager_id,
        activity_date
    from calls
    union all
    select
        account_key,
        manager_id,
        activity_date
    from meetings_held
    union all
    select
        account_key,
        manager_id,
        activity_date
    from emails
    union all
    select
        account_key,
        manager_id,
        activity_date
    from tasks_created
    union all
    select
        account_key,
        manager_id,
        activity_date
    from tasks_completed
    union all
    select
        account_key,
        manager_id,
        activity_date
    from tasks_overdue
    union all
    select
        account_key,
        manager_id,
        activity_date
    from notes
    union all
    select
        account_key,
        manager_id,
        activity_date
    from activity_span

),

account_data_ranges as (

    select
        measured_days.account_key,
        min(measured_days.activity_date) as first_date,
        max(measured_days.activity_date) as last_date
    from measured_days
    where measured_days.activity_date is not null
    group by measured_days.account_key

),

account_spine_ranges as (

    select
        account_data_ranges.account_key,
        account_data_ranges.first_date,
        case
            when accounts.as_of_date > account_data_ranges.last_date then accounts.as_of_date
            else account_data_ranges.last_date
        end as last_date
    from account_data_ranges
    left join accounts
        on account_data_ranges.account_key = accounts.account_key

),

manager_last_measured_dates as (

    select
        account_key,
        manager_id,
        max(activity_date) as last_measured_date
    from measured_days
    where activity_date is not null
    group by account_key, manager_id

),

{#
    What each user holds and until when (NULL = still holds it at the horizon): open deals
    while responsible for them (until the responsible change or the closing day), open tasks
    on no deal or an open deal (until completion). Keeps a leaver's rows while they hold work.
#}
held_work as (

    select
        responsible_history.account_key,
        responsible_history.manager_id,
        case
            when deals.status = 'open' then responsible_history.valid_to_date
            when responsible_history.valid_to_date is null then deals.closed_date
            when responsible_history.valid_to_date < deals.closed_date then responsible_history.valid_to_date
            else deals.closed_date
        end as held_until_date
    from responsible_history
    inner join deals
        on
            responsible_history.account_key = deals.account_key
            and responsible_history.deal_id = deals.deal_id
    where
        deals.status = 'open'
        or (
            deals.closed_date is not null
            and (
                responsible_history.valid_from_date is null
                or responsible_history.valid_from_date <= deals.closed_date
            )
        )

    union all

    select
        account_key,
        manager_id,
        completed_date as held_until_date
    from activities
    where
        is_task
        and (completed_date is not null or deal_id is null or deal_status = 'open')

),

manager_holdings as (

    select
        account_key,
        manager_id,
        max(case when held_until_date is null then 1 else 0 end) = 1 as still_holds_work,
        max(held_until_date) as last_held_date
    from held_work
    group by account_key, manager_id

),

inactive_manager_ids as (

    select
        account_key,
        manager_id
    from manager_last_measured_dates
    union
    select
        account_key,
        manager_id
    from manager_holdings

),

{#
    Active managers span the whole account range. Others (left, or unknown) end at their last
    measured day, or later while they still hold open deals or open tasks.
#}
managers_in_scope as (

    select
        account_key,
        manager_id,
        true as is_active,
        false as still_holds_work,
        cast(null as date) as last_date
    from managers
    where is_active

    union all

    select
        inactive_manager_ids.account_key,
        inactive_manager_ids.manager_id,
        false as is_active,
        coalesce(manager_holdings.still_holds_work, false) as still_holds_work,
        case
            when manager_holdings.last_held_date is null then manager_last_measured_dates.last_measured_date
            when manager_last_measured_dates.last_measured_date is null then manager_holdings.last_held_date
            when manager_holdings.last_held_date > manager_last_measured_dates.last_measured_date
                then manager_holdings.last_held_date
            else manager_last_measured_dates.last_measured_date
        end as last_date
    from inactive_manager_ids
    left join managers
        on
            inactive_manager_ids.account_key = managers.account_key
            and inactive_manager_ids.manager_id = managers.manager_id
    left join manager_last_measured_dates
        on
            inactive_manager_ids.account_key = manager_last_measured_dates.account_key
            and inactive_manager_ids.manager_id = manager_last_measured_dates.manager_id
    left join manager_holdings
        on
            inactive_manager_ids.account_key = manager_holdings.account_key
            and inactive_manager_ids.manager_id = manager_holdings.manager_id
    where not coalesce(managers.is_active, false)

),

spine as (

    select
        managers_in_scope.account_key,
        managers_in_scope.manager_id,
        calendar.date_day as activity_date
    from managers_in_scope
    inner join account_spine_ranges
        on managers_in_scope.account_key = account_spine_ranges.account_key
    inner join calendar
        on
            account_spine_ranges.first_date <= calendar.date_day
            and (
                (
                    (managers_in_scope.is_active or managers_in_scope.still_holds_work)
                    and account_spine_ranges.last_date >= calendar.date_day
                )
                or managers_in_scope.last_date >= calendar.date_day
            )

)

select
    spine.account_key,
    spine.manager_id,
    spine.activity_date,
    cast(coalesce(deals_created.deals_created, 0) as {{ dbt.type_bigint() }}) as deals_created,
    cast(coalesce(deals_closed.deals_won, 0) as {{ dbt.type_bigint() }}) as deals_won,
    cast(coalesce(deals_closed.revenue, 0) as {{ type_money() }}) as revenue,
    cast(coalesce(deals_closed.deals_lost, 0) as {{ dbt.type_bigint() }}) as deals_lost,
    cast(coalesce(deals_closed.lost_amount, 0) as {{ type_money() }}) as lost_amount,
    cast(coalesce(calls.calls_total, 0) as {{ dbt.type_bigint() }}) as calls_total,
    cast(coalesce(calls.calls_outbound, 0) as {{ dbt.type_bigint() }}) as calls_outbound,
    cast(coalesce(calls.calls_inbound, 0) as {{ dbt.type_bigint() }}) as calls_inbound,
    cast(coalesce(calls.calls_answered, 0) as {{ dbt.type_bigint() }}) as calls_answered,
    cast(coalesce(calls.calls_missed, 0) as {{ dbt.type_bigint() }}) as calls_missed,
    cast(coalesce(calls.call_duration_seconds, 0) as {{ dbt.type_bigint() }}) as call_duration_seconds,
    cast(coalesce(meetings_held.meetings_held, 0) as {{ dbt.type_bigint() }}) as meetings_held,
    cast(coalesce(emails.emails_sent, 0) as {{ dbt.type_bigint() }}) as emails_sent,
    cast(coalesce(emails.emails_received, 0) as {{ dbt.type_bigint() }}) as emails_received,
    cast(coalesce(tasks_created.tasks_created, 0) as {{ dbt.type_bigint() }}) as tasks_created,
    cast(coalesce(tasks_completed.tasks_completed, 0) as {{ dbt.type_bigint() }}) as tasks_completed,
    cast(
        coalesce(tasks_completed.tasks_completed_on_time, 0) as {{ dbt.type_bigint() }}
    ) as tasks_completed_on_time,
    cast(coalesce(tasks_overdue.tasks_overdue, 0) as {{ dbt.type_bigint() }}) as tasks_overdue,
    cast(coalesce(notes.notes_created, 0) as {{ dbt.type_bigint() }}) as notes_created,
    activity_span.first_activity_at,
    activity_span.last_activity_at
from spine
left join deals_created
    on
        spine.account_key = deals_created.account_key
        and spine.manager_id = deals_created.manager_id
        and spine.activity_date = deals_created.activity_date
left join deals_closed
    on
        spine.account_key = deals_closed.account_key
        and spine.manager_id = deals_closed.manager_id
        and spine.activity_date = deals_closed.activity_date
left join calls
    on
        spine.account_key = calls.account_key
        and spine.manager_id = calls.manager_id
        and spine.activity_date = calls.activity_date
left join meetings_held
    on
        spine.account_key = meetings_held.account_key
        and spine.manager_id = meetings_held.manager_id
        and spine.activity_date = meetings_held.activity_date
left join emails
    on
        spine.account_key = emails.account_key
        and spine.manager_id = emails.manager_id
        and spine.activity_date = emails.activity_date
left join tasks_created
    on
        spine.account_key = tasks_created.account_key
        and spine.manager_id = tasks_created.manager_id
        and spine.activity_date = tasks_created.activity_date
left join tasks_completed
    on
        spine.account_key = tasks_completed.account_key
        and spine.manager_id = tasks_completed.manager_id
        and spine.activity_date = tasks_completed.activity_date
left join tasks_overdue
    on
        spine.account_key = tasks_overdue.account_key
        and spine.manager_id = tasks_overdue.manager_id
        and spine.activity_date = tasks_overdue.activity_date
left join notes
    on
        spine.account_key = notes.account_key
        and spine.manager_id = notes.manager_id
        and spine.activity_date = notes.activity_date
left join activity_span
    on
        spine.account_key = activity_span.account_key
        and spine.manager_id = activity_span.manager_id
        and spine.activity_date = activity_span.activity_date
