{#
    Manager x local day: the workload at the end of the day (the amoCRM "summary report").
    Rows follow the spine of mart_manager_daily (a leaver keeps rows while holding open deals
    or tasks). Open deals come from the status history and the manager responsible at the end
    of the day, whether or not that user is still active; open tasks from their creation and
    completion dates, counted only on no deal or on a deal open that day: tasks left on won,
    lost or deleted deals are neither open nor overdue workload. Deleted deals and their
    tasks are excluded.
    Linear in rows (issue #11): every measure is a count over date intervals [start, end)
    (a deal open with one responsible user, a task open, a task overdue, a deal covered by an
    open task), so each interval becomes a +1 at its start and a -1 at its end, and the state
    of a day is the running sum of those events up to that day, per manager.
#}
with spine as (

    select
        account_key,
        manager_id,
        activity_date as date_day
    from {{ ref('mart_manager_daily') }}

),

deals as (

    select
        account_key,
        deal_id,
        amount,
        created_date
    from {{ ref('fct_deals') }}
    where not is_deleted and created_date is not null

),

open_status_history as (

    select
        account_key,
        deal_id,
        valid_from_date,
        valid_to_date
    from {{ ref('int_deal_status_history') }}
    where status = 'open' and valid_from_date is not null

),

{#
    A deal's open intervals that touch, in one: a stage change inside "open" starts a new
    status interval but changes no workload, and every later join is smaller (issue #11: 3.7M
    open intervals of 1M deals become 1.1M).
#}
open_status_history_marked as (

    select
        account_key,
        deal_id,
        valid_from_date,
        valid_to_date,
        case
            when lag(valid_to_date) over deal_intervals >= valid_from_date then 0 else 1
        end as starts_open_run
    from open_status_history
    window deal_intervals as (
        partition by account_key, deal_id order by valid_from_date, valid_to_date nulls last
    )

),

open_status_history_numbered as (

    select
        account_key,
        deal_id,
        valid_from_date,
        valid_to_date,
        sum(starts_open_run) over (
            partition by account_key, deal_id order by valid_from_date, valid_to_date nulls last
            rows between unbounded preceding and current row
        ) as open_run_number
    from open_status_history_marked

),

open_runs as (

    select
        account_key,
        deal_id,
        min(valid_from_date) as valid_from_date,
        case when count(*) = count(valid_to_date) then max(valid_to_date) end as valid_to_date
    from open_status_history_numbered
    group by account_key, deal_id, open_run_number

),

responsible_history as (

    select
        account_key,
        deal_id,
        manager_id,
        valid_from_date,
        valid_to_date
    from {{ ref('int_deal_responsible_history') }}
    where manager_id is not null

),

tasks as (

    select
        account_key,
        manager_id,
        deal_id,
        created_date,
        completed_date,
        due_date
    from {{ ref('fct_activities') }}
    where is_task and manager_id is not null and not is_deal_deleted and created_date is not null

),

{# When each (not deleted) deal is open: an open run, from the deal's creation. #}
deal_open_intervals as (

    select
        open_runs.account_key,
        open_runs.deal_id,
        deals.amount,
        {{ later_start('open_runs.valid_from_date', 'deals.created_date') }} as start_date,
        open_runs.valid_to_date as end_date
    from open_runs
    inner join deals
        on
            open_runs.account_key = deals.account_key
            and open_runs.deal_id = deals.deal_id

),

{# When each open deal belongs to one manager. #}
deal_manager_intervals as (

    select
        deal_open_intervals.account_key,
        deal_open_intervals.deal_id,
        responsible_history.manager_id,
        deal_open_intervals.amount,
        {{ later_start('deal_open_intervals.start_date', 'responsible_history.valid_from_date') }}
            as start_date,
        {{ earlier_end('deal_open_intervals.end_date', 'responsible_history.valid_to_date') }}
            as end_date
    from deal_open_intervals
    inner join responsible_history
        on
            deal_open_intervals.account_key = responsible_history.account_key
            and deal_open_intervals.deal_id = responsible_history.deal_id

),

{# When each task is open workload: not completed, on no deal or while its deal is open. #}
task_open_intervals as (

    select
        account_key,
        manager_id,
        deal_id,
        due_date,
        created_date as start_date,
        completed_date as end_date
    from tasks
    where deal_id is null

    union all

    select
        tasks.account_key,
        tasks.manager_id,
        tasks.deal_id,
        tasks.due_date,
        {{ later_start('tasks.created_date', 'deal_open_intervals.start_date') }} as start_date,
        {{ earlier_end('tasks.completed_date', 'deal_open_intervals.end_date') }} as end_date
    from tasks
    inner join deal_open_intervals
        on
            tasks.account_key = deal_open_intervals.account_key
            and tasks.deal_id = deal_open_intervals.deal_id

),

task_intervals as (

    select * from task_open_intervals
    where {{ is_nonempty_interval('start_date', 'end_date') }}

),

{# The open tasks on each deal per date on which their number changes (any task owner). #}
deal_task_changes as (

    select
        account_key,
        deal_id,
        event_date,
        sum(delta) as delta
    from (
        select
            account_key,
            deal_id,
            start_date as event_date,
            1 as delta
        from task_intervals
        where deal_id is not null

        union all

        select
            account_key,
            deal_id,
            end_date as event_date,
            -1 as delta
        from task_intervals
        where deal_id is not null and end_date is not null
    ) as task_events
    group by account_key, deal_id, event_date

),

deal_task_counts as (

    select
        account_key,
        deal_id,
        event_date as start_date,
        lead(event_date) over (partition by account_key, deal_id order by event_date) as end_date,
        sum(delta) over (
            partition by account_key, deal_id order by event_date
            rows between unbounded preceding and current row
        ) as open_task_count
    from deal_task_changes

),

{# When each deal has at least one open task, split wherever that number changes. #}
deal_task_cover as (

    select
        account_key,
        deal_id,
        start_date,
        end_date
    from deal_task_counts
    where open_task_count > 0

),

{# When each open deal of a manager has an open task. #}
covered_deal_manager_intervals as (

    select
        deal_manager_intervals.account_key,
        deal_manager_intervals.manager_id,
        {{ later_start('deal_manager_intervals.start_date', 'deal_task_cover.start_date') }}
            as start_date,
        {{ earlier_end('deal_manager_intervals.end_date', 'deal_task_cover.end_date') }}
            as end_date
    from deal_manager_intervals
    inner join deal_task_cover
        on
            deal_manager_intervals.account_key = deal_task_cover.account_key
            and deal_manager_intervals.deal_id = deal_task_cover.deal_id

),

{#
    One row per interval: the measures it adds from its start (and removes from its end).
    Columns: open deals, open pipeline amount, open tasks, overdue open tasks, open deals
    covered by an open task.
#}
measure_intervals as (

    select
        account_key,
        manager_id,
        start_date,
        end_date,
        1 as open_deals,
        coalesce(amount, 0) as open_pipeline_amount,
        0 as open_tasks,
        0 as overdue_open_tasks,
        0 as covered_deals
    from deal_manager_intervals

    union all

    select
        account_key,
        manager_id,
        start_date,
        end_date,
        0 as open_deals,
        0 as open_pipeline_amount,
        1 as open_tasks,
        0 as overdue_open_tasks,
        0 as covered_deals
    from task_intervals

    union all

    select
        account_key,
        manager_id,
        {{ later_start('start_date', 'due_date') }} as start_date,
        end_date,
        0 as open_deals,
        0 as open_pipeline_amount,
        0 as open_tasks,
        1 as overdue_open_tasks,
        0 as covered_deals
    from task_intervals
    where due_date is not null

    union all

    select
        account_key,
        manager_id,
        start_date,
        end_date,
        0 as open_deals,
        0 as open_pipeline_amount,
        0 as open_tasks,
        0 as overdue_open_tasks,
        1 as covered_deals
    from covered_deal_manager_intervals

),

nonempty_measure_intervals as (

    select * from measure_intervals
    where {{ is_nonempty_interval('start_date', 'end_date') }}

),

{# The changes of the measures, per manager and date; the spine's days add a zero change. #}
measure_changes as (

    select
        account_key,
        manager_id,
        start_date as date_day,
        false as is_spine_day,
        open_deals,
        open_pipeline_amount,
        open_tasks,
        overdue_open_tasks,
        covered_deals
    from nonempty_measure_intervals

    union all

    select
        account_key,
        manager_id,
        end_date as date_day,
        false as is_spine_day,
        -open_deals as open_deals,
        -open_pipeline_amount as open_pipeline_amount,
        -open_tasks as open_tasks,
        -overdue_open_tasks as overdue_open_tasks,
        -covered_deals as covered_deals
    from nonempty_measure_intervals
    where end_date is not null

    union all

    select
        account_key,
        manager_id,
        date_day,
        true as is_spine_day,
        0 as open_deals,
        0 as open_pipeline_amount,
        0 as open_tasks,
        0 as overdue_open_tasks,
        0 as covered_deals
    from spine

),

{# One row per manager and date with a change or a spine day (unique dates: a ROWS frame). #}
daily_changes as (

    select
        account_key,
        manager_id,
        date_day,
        max(case when is_spine_day then 1 else 0 end) as is_spine_day,
        sum(open_deals) as open_deals,
        sum(open_pipeline_amount) as open_pipeline_amount,
        sum(open_tasks) as open_tasks,
        sum(overdue_open_tasks) as overdue_open_tasks,
        sum(covered_deals) as covered_deals
    from measure_changes
    group by account_key, manager_id, date_day

),

{# Running sums: the state at the end of each day. #}
measure_states as (

    select
        account_key,
        manager_id,
        date_day,
        is_spine_day,
        sum(open_deals) over manager_days as open_deals,
        sum(open_pipeline_amount) over manager_days as open_pipeline_amount,
        sum(open_tasks) over manager_days as open_tasks,
        sum(overdue_open_tasks) over manager_days as overdue_open_tasks,
        sum(covered_deals) over manager_days as covered_deals
    from daily_changes
    window manager_days as (
        partition by account_key, manager_id order by date_day
        rows between unbounded preceding and current row
    )

)

select
    account_key,
    manager_id,
    date_day,
    cast(open_deals as {{ dbt.type_bigint() }}) as open_deals,
    cast(open_pipeline_amount as {{ type_money() }}) as open_pipeline_amount,
    cast(open_tasks as {{ dbt.type_bigint() }}) as open_tasks,
    cast(overdue_open_tasks as {{ dbt.type_bigint() }}) as overdue_open_tasks,
    cast(open_deals - covered_deals as {{ dbt.type_bigint() }}) as deals_without_open_task
from measure_states
where is_spine_day = 1
