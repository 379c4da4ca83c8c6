{#
    Manager x local day, only days with a measure: one pre-aggregate per measure family
    (deals created, deals closed, calls, meetings, e-mails, tasks created / completed /
    overdue, notes, first and last activity), each on its own date, then left joins on the
    days any of them has: nothing fans out. mart_manager_daily puts these on its zero-filled
    spine. Deleted deals, activities without a manager and activities linked to a deleted
    deal are left out.
#}
with deals as (

    select * from {{ ref('fct_deals') }}
    where not is_deleted

),

activities as (

    select * from {{ ref('fct_activities') }}
    where manager_id is not null and not is_deal_deleted

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
    union
    select
        account_key,
        manager_id,
        activity_date
    from deals_closed
    union
    select
        account_key,
        manager_id,
        activity_date
    from calls
    union
    select
        account_key,
        manager_id,
        activity_date
    from meetings_held
    union
    select
        account_key,
        manager_id,
        activity_date
    from emails
    union
    select
        account_key,
        manager_id,
        activity_date
    from tasks_created
    union
    select
        account_key,
        manager_id,
        activity_date
    from tasks_completed
    union
    select
        account_key,
        manager_id,
        activity_date
    from tasks_overdue
    union
    select
        account_key,
        manager_id,
        activity_date
    from notes
    union
    select
        account_key,
        manager_id,
        activity_date
    from activity_span

)

select
    measured_days.account_key,
    measured_days.manager_id,
    measured_days.activity_date,
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
    cast(coalesce(tasks_completed.tasks_completed_on_time, 0) as {{ dbt.type_bigint() }}) as tasks_completed_on_time,
    cast(coalesce(tasks_overdue.tasks_overdue, 0) as {{ dbt.type_bigint() }}) as tasks_overdue,
    cast(coalesce(notes.notes_created, 0) as {{ dbt.type_bigint() }}) as notes_created,
    activity_span.first_activity_at,
    activity_span.last_activity_at
from measured_days
left join deals_created
    on
        measured_days.account_key = deals_created.account_key
        and measured_days.manager_id = deals_created.manager_id
        and measured_days.activity_date = deals_created.activity_date
left join deals_closed
    on
        measured_days.account_key = deals_closed.account_key
        and measured_days.manager_id = deals_closed.manager_id
        and measured_days.activity_date = deals_closed.activity_date
left join calls
    on
        measured_days.account_key = calls.account_key
        and measured_days.manager_id = calls.manager_id
        and measured_days.activity_date = calls.activity_date
left join meetings_held
    on
        measured_days.account_key = meetings_held.account_key
        and measured_days.manager_id = meetings_held.manager_id
        and measured_days.activity_date = meetings_held.activity_date
left join emails
    on
        measured_days.account_key = emails.account_key
        and measured_days.manager_id = emails.manager_id
        and measured_days.activity_date = emails.activity_date
left join tasks_created
    on
        measured_days.account_key = tasks_created.account_key
        and measured_days.manager_id = tasks_created.manager_id
        and measured_days.activity_date = tasks_created.activity_date
left join tasks_completed
    on
        measured_days.account_key = tasks_completed.account_key
        and measured_days.manager_id = tasks_completed.manager_id
        and measured_days.activity_date = tasks_completed.activity_date
left join tasks_overdue
    on
        measured_days.account_key = tasks_overdue.account_key
        and measured_days.manager_id = tasks_overdue.manager_id
        and measured_days.activity_date = tasks_overdue.activity_date
left join notes
    on
        measured_days.account_key = notes.account_key
        and measured_days.manager_id = notes.manager_id
        and measured_days.activity_date = notes.activity_date
left join activity_span
    on
        measured_days.account_key = activity_span.account_key
        and measured_days.manager_id = activity_span.manager_id
        and measured_days.activity_date = activity_span.activity_date
where measured_days.activity_date is not null
