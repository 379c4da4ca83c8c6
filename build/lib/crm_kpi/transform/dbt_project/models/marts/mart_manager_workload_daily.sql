{#
    Manager x local day: the workload at the end of the day (the amoCRM "summary report").
    Rows follow the spine of mart_manager_daily (a leaver keeps rows while holding open deals
    or tasks). Open deals come from the status history and the manager responsible at the end
    of the day, whether or not that user is still active; open tasks from their creation and
    completion dates, counted only on no deal or on a deal open that day: tasks left on won,
    lost or deleted deals are neither open nor overdue workload. Deleted deals and their
    tasks are excluded.
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
    where not is_deleted

),

status_history as (

    select * from {{ ref('int_deal_status_history') }}
    where status = 'open'

),

responsible_history as (

    select * from {{ ref('int_deal_responsible_history') }}

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
    where is_task and manager_id is not null and not is_deal_deleted

),

days as (

    select distinct
        account_key,
        date_day
    from spine

),

{# Deals (not deleted) open at the end of each day. #}
deal_open_days as (

    select distinct
        days.account_key,
        days.date_day,
        deals.deal_id,
        deals.amount
    from days
    inner join status_history
        on
            days.account_key = status_history.account_key
            and days.date_day >= status_history.valid_from_date
            and (status_history.valid_to_date is null or days.date_day < status_history.valid_to_date)
    inner join deals
        on
            status_history.account_key = deals.account_key
            and status_history.deal_id = deals.deal_id
            and days.date_day >= deals.created_date

),

open_deal_days as (

    select
        deal_open_days.account_key,
        deal_open_days.date_day,
        deal_open_days.deal_id,
        deal_open_days.amount,
        responsible_history.manager_id
    from deal_open_days
    inner join responsible_history
        on
            deal_open_days.account_key = responsible_history.account_key
            and deal_open_days.deal_id = responsible_history.deal_id
            and (
                responsible_history.valid_from_date is null
                or deal_open_days.date_day >= responsible_history.valid_from_date
            )
            and (
                responsible_history.valid_to_date is null
                or deal_open_days.date_day < responsible_history.valid_to_date
            )
    where responsible_history.manager_id is not null

),

{# Open tasks at the end of each day: not completed yet, on no deal or on a deal open that day. #}
open_task_days as (

    select
        days.account_key,
        days.date_day,
        tasks.manager_id,
        tasks.deal_id,
        tasks.due_date
    from days
    inner join tasks
        on
            days.account_key = tasks.account_key
            and days.date_day >= tasks.created_date
            and (tasks.completed_date is null or days.date_day < tasks.completed_date)
    left join deal_open_days
        on
            tasks.account_key = deal_open_days.account_key
            and tasks.deal_id = deal_open_days.deal_id
            and days.date_day = deal_open_days.date_day
    where tasks.deal_id is null or deal_open_days.deal_id is not null

),

deals_with_open_task as (

    select distinct
        account_key,
        date_day,
        deal_id
    from open_task_days
    where deal_id is not null

),

deal_load as (

    select
        open_deal_days.account_key,
        open_deal_days.manager_id,
        open_deal_days.date_day,
        count(*) as open_deals,
        sum(coalesce(open_deal_days.amount, 0)) as open_pipeline_amount,
        sum(case when deals_with_open_task.deal_id is null then 1 else 0 end)
            as deals_without_open_task
    from open_deal_days
    left join deals_with_open_task
        on
            open_deal_days.account_key = deals_with_open_task.account_key
            and open_deal_days.date_day = deals_with_open_task.date_day
            and open_deal_days.deal_id = deals_with_open_task.deal_id
    group by open_deal_days.account_key, open_deal_days.manager_id, open_deal_days.date_day

),

task_load as (

    select
        account_key,
        manager_id,
        date_day,
        count(*) as open_tasks,
        sum(case when due_date <= date_day then 1 else 0 end) as overdue_open_tasks
    from open_task_days
    group by account_key, manager_id, date_day

)

select
    spine.account_key,
    spine.manager_id,
    spine.date_day,
    cast(coalesce(deal_load.open_deals, 0) as {{ dbt.type_bigint() }}) as open_deals,
    cast(coalesce(deal_load.open_pipeline_amount, 0) as {{ type_money() }}) as open_pipeline_amount,
    cast(coalesce(task_load.open_tasks, 0) as {{ dbt.type_bigint() }}) as open_tasks,
    cast(coalesce(task_load.overdue_open_tasks, 0) as {{ dbt.type_bigint() }}) as overdue_open_tasks,
    cast(coalesce(deal_load.deals_without_open_task, 0) as {{ dbt.type_bigint() }})
        as deals_without_open_task
from spine
left join deal_load
    on
        spine.account_key = deal_load.account_key
        and spine.manager_id = deal_load.manager_id
        and spine.date_day = deal_load.date_day
left join task_load
    on
        spine.account_key = task_load.account_key
        and spine.manager_id = task_load.manager_id
        and spine.date_day = task_load.date_day
