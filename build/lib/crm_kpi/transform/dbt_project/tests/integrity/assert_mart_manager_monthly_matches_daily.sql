{{ config(meta={'dagster': {'ref': {'name': 'mart_manager_monthly'}}}) }}
-- Integrity: the monthly manager mart is the daily one rolled up (same managers, same totals,
-- one row per manager and month of the daily spine).
with daily as (

    select
        account_key,
        manager_id,
        count(distinct {{ period_start('month', 'activity_date') }}) as n_months,
        sum(revenue) as revenue,
        sum(deals_won) as deals_won,
        sum(calls_total) as calls_total,
        sum(tasks_overdue) as tasks_overdue
    from {{ ref('mart_manager_daily') }}
    group by account_key, manager_id

),

monthly as (

    select
        account_key,
        manager_id,
        count(*) as n_months,
        sum(revenue) as revenue,
        sum(deals_won) as deals_won,
        sum(calls_total) as calls_total,
        sum(tasks_overdue) as tasks_overdue
    from {{ ref('mart_manager_monthly') }}
    group by account_key, manager_id

)

select
    coalesce(daily.account_key, monthly.account_key) as account_key,
    coalesce(daily.manager_id, monthly.manager_id) as manager_id
from daily
full outer join monthly
    on
        daily.account_key = monthly.account_key
        and daily.manager_id = monthly.manager_id
where
    daily.manager_id is null
    or monthly.manager_id is null
    or daily.n_months <> monthly.n_months
    or daily.revenue <> monthly.revenue
    or daily.deals_won <> monthly.deals_won
    or daily.calls_total <> monthly.calls_total
    or daily.tasks_overdue <> monthly.tasks_overdue
