{#
    Revenue forecast per pipeline (and the account: pipeline_id NULL) and local calendar month,
    from the first month of data to two months after the month of the data horizon.
    Complete months: the actual revenue. Other months: won to date + amount x stage win
    probability of the deals open at the horizon whose expected close date falls in the month
    (int_deal_snapshots). The backtest runs the same method as of the first day of each of the
    last 12 complete months (snapshots of that day: open deals, probabilities and medians from
    earlier closings only) against the month's revenue; the naive baseline forecasts last
    month's revenue. Months with 0 revenue are left out; both errors NULL under 3 months.
#}
with horizons as (

    select
        account_key,
        as_of_date,
        horizon_month
    from {{ ref('int_forecast_cutoffs') }}
    where is_horizon

),

deals as (

    select * from {{ ref('fct_deals') }}
    where not is_deleted

),

first_months as (

    select
        account_key,
        min({{ period_start('month', 'created_date') }}) as first_month
    from deals
    group by account_key

),

month_numbers as (

    {{ integers(3) }}

),

months as (

    select
        horizons.account_key,
        horizons.horizon_month,
        first_months.first_month,
        cast({{ dbt.dateadd('month', 'month_numbers.n', 'first_months.first_month') }} as date) as month_start
    from horizons
    inner join first_months
        on horizons.account_key = first_months.account_key
    inner join month_numbers
        on month_numbers.n <= {{ dbt.datediff('first_months.first_month', 'horizons.horizon_month', 'month') }} + 2

),

scopes as (

    select distinct
        account_key,
        pipeline_id
    from {{ ref('dim_pipeline_stages') }}

    union all

    select
        account_key,
        null as pipeline_id
    from horizons

),

won_deals as (

    select
        account_key,
        pipeline_id,
        {{ period_start('month', 'closed_date') }} as month_start,
        coalesce(amount, 0) as amount
    from deals
    where status = 'won' and closed_date is not null

),

won_by_month as (

    select
        account_key,
        pipeline_id,
        month_start,
        sum(amount) as revenue
    from won_deals
    group by account_key, pipeline_id, month_start

    union all

    select
        account_key,
        null as pipeline_id,
        month_start,
        sum(amount) as revenue
    from won_deals
    group by account_key, month_start

),

{# Expected revenue of each open deal, in the month it is expected to close. #}
expected_deals as (

    select
        account_key,
        is_horizon,
        pipeline_id,
        {{ period_start('month', 'as_of_date') }} as cutoff_month,
        {{ period_start('month', 'expected_close_date') }} as expected_month,
        coalesce(amount, 0) * coalesce(stage_win_probability, 0) as expected_amount
    from {{ ref('int_deal_snapshots') }}

),

expected_scoped as (

    select
        account_key,
        is_horizon,
        pipeline_id,
        cutoff_month,
        expected_month,
        expected_amount
    from expected_deals

    union all

    select
        account_key,
        is_horizon,
        null as pipeline_id,
        cutoff_month,
        expected_month,
        expected_amount
    from expected_deals

),

horizon_expected as (

    select
        account_key,
        pipeline_id,
        expected_month as month_start,
        sum(expected_amount) as expected_in_month
    from expected_scoped
    where is_horizon and expected_month is not null
    group by account_key, pipeline_id, expected_month

),

horizon_weighted as (

    select
        account_key,
        pipeline_id,
        sum(expected_amount) as weighted_open_pipeline
    from expected_scoped
    where is_horizon
    group by account_key, pipeline_id

),

{# The backtest: as of the first day of a past month, what was expected to close in it. #}
backtest_expected as (

    select
        account_key,
        pipeline_id,
        cutoff_month as month_start,
        sum(expected_amount) as backtest_forecast
    from expected_scoped
    where not is_horizon and expected_month = cutoff_month
    group by account_key, pipeline_id, cutoff_month

),

grid as (

    select
        months.account_key,
        scopes.pipeline_id,
        months.month_start,
        months.horizon_month,
        months.first_month,
        {#- won in the month so far: nothing after the horizon month (a condition on `months`
            alone in the join would make it a nested-loop join) #}
        case
            when months.month_start <= months.horizon_month then coalesce(won_by_month.revenue, 0)
            else 0
        end as won_to_date
    from months
    inner join scopes
        on months.account_key = scopes.account_key
    left join won_by_month
        on
            months.account_key = won_by_month.account_key
            and months.month_start = won_by_month.month_start
            and {{ null_safe_key('scopes.pipeline_id') }} = {{ null_safe_key('won_by_month.pipeline_id') }}

),

backtest_months as (

    select
        grid.account_key,
        grid.pipeline_id,
        grid.month_start,
        grid.won_to_date as actual_revenue,
        coalesce(backtest_expected.backtest_forecast, 0) as backtest_forecast,
        lag(grid.won_to_date) over (
            partition by grid.account_key, grid.pipeline_id order by grid.month_start
        ) as naive_forecast
    from grid
    left join backtest_expected
        on
            grid.account_key = backtest_expected.account_key
            and grid.month_start = backtest_expected.month_start
            and {{ null_safe_key('grid.pipeline_id') }} = {{ null_safe_key('backtest_expected.pipeline_id') }}
    where grid.month_start < grid.horizon_month

),

{#- |forecast - actual| / actual of one backtest month (its actual revenue is above 0). -#}
{%- set actual = 'backtest_months.actual_revenue' -%}
{%- set backtest_error = 'abs(backtest_months.backtest_forecast - ' ~ actual ~ ') / ' ~ actual -%}
{%- set naive_error = 'abs(backtest_months.naive_forecast - ' ~ actual ~ ') / ' ~ actual %}

backtest as (

    select
        backtest_months.account_key,
        backtest_months.pipeline_id,
        count(*) as backtest_months,
        {{ stable_avg(backtest_error) }} as backtest_mape,
        {{ stable_avg(naive_error) }} as naive_mape
    from backtest_months
    inner join horizons
        on backtest_months.account_key = horizons.account_key
    where
        backtest_months.actual_revenue > 0
        and backtest_months.naive_forecast is not null
        and backtest_months.month_start >= {{ dbt.dateadd('month', -12, 'horizons.horizon_month') }}
    group by backtest_months.account_key, backtest_months.pipeline_id

),

forecast as (

    select
        grid.account_key,
        grid.pipeline_id,
        grid.month_start,
        grid.horizon_month,
        grid.won_to_date,
        case
            when grid.month_start = grid.horizon_month then coalesce(horizon_weighted.weighted_open_pipeline, 0)
            else 0
        end as weighted_open_pipeline,
        case
            when grid.month_start >= grid.horizon_month then coalesce(horizon_expected.expected_in_month, 0)
            else 0
        end as expected_in_month
    from grid
    left join horizon_expected
        on
            grid.account_key = horizon_expected.account_key
            and grid.month_start = horizon_expected.month_start
            and {{ null_safe_key('grid.pipeline_id') }} = {{ null_safe_key('horizon_expected.pipeline_id') }}
    left join horizon_weighted
        on
            grid.account_key = horizon_weighted.account_key
            and {{ null_safe_key('grid.pipeline_id') }} = {{ null_safe_key('horizon_weighted.pipeline_id') }}

)

select
    forecast.account_key,
    forecast.pipeline_id,
    forecast.month_start,
    case
        when forecast.month_start < forecast.horizon_month then 'closed'
        when forecast.month_start = forecast.horizon_month then 'current'
        else 'future'
    end as month_status,
    forecast.month_start < forecast.horizon_month as is_complete_period,
    cast(forecast.won_to_date as {{ type_money() }}) as won_to_date,
    cast(forecast.weighted_open_pipeline as {{ type_money() }}) as weighted_open_pipeline,
    cast(forecast.expected_in_month as {{ type_money() }}) as expected_in_month,
    cast(forecast.won_to_date + forecast.expected_in_month as {{ type_money() }}) as forecast_revenue,
    cast(case when backtest.backtest_months >= 3 then backtest.backtest_mape end as {{ type_double() }})
        as backtest_mape,
    cast(case when backtest.backtest_months >= 3 then backtest.naive_mape end as {{ type_double() }})
        as naive_mape,
    cast(coalesce(backtest.backtest_months, 0) as {{ dbt.type_bigint() }}) as backtest_months
from forecast
left join backtest
    on
        forecast.account_key = backtest.account_key
        and {{ null_safe_key('forecast.pipeline_id') }} = {{ null_safe_key('backtest.pipeline_id') }}
