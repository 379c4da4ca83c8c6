{#
    The open pipeline at each month end, computed once for every mart that reports it
    (mart_manager_monthly, and through it mart_team_monthly): one row per deal open at the end
    of a local calendar month (created on or before the month's last day, open by its status
    history then), with the stage it sat in, the manager responsible then (whether or not that
    user is still active: a leaver keeps the deals they held) and the weighted amount.
    `weighted_amount` is rounded to the kopeck per deal, so every sum of it (manager, team,
    account) is exact and equal between marts. Months run to the month of the account's data
    horizon. Deleted deals are left out.
#}
with accounts as (

    select
        account_key,
        as_of_date
    from {{ ref('int_accounts') }}
    where as_of_date is not null

),

calendar_months as (

    select distinct month_start
    from {{ ref('dim_dates') }}

),

month_ends as (

    select
        accounts.account_key,
        calendar_months.month_start,
        {{ add_days(dbt.dateadd('month', 1, 'calendar_months.month_start'), -1) }} as month_end_date
    from accounts
    inner join calendar_months
        on calendar_months.month_start <= {{ period_start('month', 'accounts.as_of_date') }}

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

),

responsible_history as (

    select * from {{ ref('int_deal_responsible_history') }}

),

win_probabilities as (

    select * from {{ ref('dim_stage_win_probabilities') }}

),

open_at_month_end as (

    select
        month_ends.account_key,
        month_ends.month_start,
        month_ends.month_end_date,
        deals.deal_id,
        status_history.pipeline_id,
        status_history.stage_id,
        deals.amount
    from month_ends
    inner join status_history
        on
            month_ends.account_key = status_history.account_key
            and status_history.status = 'open'
            and month_ends.month_end_date >= status_history.valid_from_date
            and (
                status_history.valid_to_date is null
                or month_ends.month_end_date < status_history.valid_to_date
            )
    inner join deals
        on
            status_history.account_key = deals.account_key
            and status_history.deal_id = deals.deal_id
            and month_ends.month_end_date >= deals.created_date

),

{#
    The responsible user at each month end. Matched by an inner join on the deal and then
    filtered on the interval, so that the join is a hash join on the deal: an `or` in a left
    join's condition makes DuckDB compare every row with every interval (issue #11).
#}
managers_at_month_end as (

    select
        open_deals.account_key,
        open_deals.deal_id,
        open_deals.month_end_date,
        history.manager_id
    from open_at_month_end as open_deals
    inner join responsible_history as history
        on
            open_deals.account_key = history.account_key
            and open_deals.deal_id = history.deal_id
    where
        (history.valid_from_date is null or open_deals.month_end_date >= history.valid_from_date)
        and (history.valid_to_date is null or open_deals.month_end_date < history.valid_to_date)

)

select
    open_deals.account_key,
    open_deals.month_start,
    open_deals.month_end_date,
    open_deals.deal_id,
    open_deals.pipeline_id,
    open_deals.stage_id,
    responsible_history.manager_id,
    cast(open_deals.amount as {{ type_money() }}) as amount,
    win_probabilities.stage_win_probability,
    cast(
        coalesce(open_deals.amount, 0) * coalesce(win_probabilities.stage_win_probability, 0)
        as {{ type_money() }}
    ) as weighted_amount
from open_at_month_end as open_deals
left join managers_at_month_end as responsible_history
    on
        open_deals.account_key = responsible_history.account_key
        and open_deals.deal_id = responsible_history.deal_id
        and open_deals.month_end_date = responsible_history.month_end_date
left join win_probabilities
    on
        open_deals.account_key = win_probabilities.account_key
        and open_deals.pipeline_id = win_probabilities.pipeline_id
        and open_deals.stage_id = win_probabilities.stage_id
