{{ config(meta={'dagster': {'ref': {'name': 'mart_manager_daily'}}}) }}
-- Integrity: the daily manager mart neither drops nor duplicates facts. Its totals per
-- account equal the totals of the attributable facts (not deleted, not on a deleted deal, with a
-- manager and a date).
with mart_totals as (

    select
        account_key,
        sum(deals_created) as deals_created,
        sum(deals_won) as deals_won,
        sum(revenue) as revenue,
        sum(deals_lost) as deals_lost,
        sum(calls_total) as calls_total,
        sum(tasks_created) as tasks_created,
        sum(tasks_completed) as tasks_completed
    from {{ ref('mart_manager_daily') }}
    group by account_key

),

deal_totals as (

    select
        account_key,
        sum(case when creating_manager_id is not null and created_date is not null then 1 else 0 end)
            as deals_created,
        sum(
            case
                when status = 'won' and closing_manager_id is not null and closed_date is not null
                    then 1
                else 0
            end
        ) as deals_won,
        sum(
            case
                when status = 'won' and closing_manager_id is not null and closed_date is not null
                    then coalesce(amount, 0)
                else 0
            end
        ) as revenue,
        sum(
            case
                when status = 'lost' and closing_manager_id is not null and closed_date is not null
                    then 1
                else 0
            end
        ) as deals_lost
    from {{ ref('fct_deals') }}
    where not is_deleted
    group by account_key

),

activity_totals as (

    select
        account_key,
        sum(case when activity_type = 'call' then 1 else 0 end) as calls_total,
        sum(case when is_task then 1 else 0 end) as tasks_created,
        sum(case when is_task and completed_date is not null then 1 else 0 end) as tasks_completed
    from {{ ref('fct_activities') }}
    where manager_id is not null and not is_deal_deleted
    group by account_key

),

compared as (

    select
        coalesce(mart_totals.account_key, deal_totals.account_key, activity_totals.account_key)
            as account_key,
        coalesce(mart_totals.deals_created, 0) - coalesce(deal_totals.deals_created, 0)
            as deals_created_diff,
        coalesce(mart_totals.deals_won, 0) - coalesce(deal_totals.deals_won, 0) as deals_won_diff,
        coalesce(mart_totals.revenue, 0) - coalesce(deal_totals.revenue, 0) as revenue_diff,
        coalesce(mart_totals.deals_lost, 0) - coalesce(deal_totals.deals_lost, 0) as deals_lost_diff,
        coalesce(mart_totals.calls_total, 0) - coalesce(activity_totals.calls_total, 0)
            as calls_total_diff,
        coalesce(mart_totals.tasks_created, 0) - coalesce(activity_totals.tasks_created, 0)
            as tasks_created_diff,
        coalesce(mart_totals.tasks_completed, 0) - coalesce(activity_totals.tasks_completed, 0)
            as tasks_completed_diff
    from mart_totals
    full outer join deal_totals
        on mart_totals.account_key = deal_totals.account_key
    full outer join activity_totals
        on coalesce(mart_totals.account_key, deal_totals.account_key) = activity_totals.account_key

)

select *
from compared
where
    deals_created_diff <> 0
    or deals_won_diff <> 0
    or revenue_diff <> 0
    or deals_lost_diff <> 0
    or calls_total_diff <> 0
    or tasks_created_diff <> 0
    or tasks_completed_diff <> 0
