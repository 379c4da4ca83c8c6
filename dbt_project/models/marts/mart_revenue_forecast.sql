{#
    Revenue forecast per pipeline and local calendar month, from the first month of data to
    two months after the month of the data horizon (as_of_date, never the build date).
    Two methods: the weighted open pipeline (horizon month) and a seasonal model of monthly
    revenue (mean of the up to three previous closed months x month-of-year index), whose
    error on the closed months (backtest, each month forecast from earlier months only) is
    reported as backtest_mape.
#}
with accounts as (

    select
        account_key,
        as_of_date,
        {{ period_start('month', 'as_of_date') }} as horizon_month
    from {{ ref('int_accounts') }}
    where as_of_date is not null

),

deals as (

    select * from {{ ref('fct_deals') }}
    where not is_deleted

),

pipelines as (

    select distinct
        account_key,
        pipeline_id
    from {{ ref('dim_pipeline_stages') }}

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
        accounts.account_key,
        accounts.horizon_month,
        cast({{ dbt.dateadd('month', 'month_numbers.n', 'first_months.first_month') }} as date) as month_start
    from accounts
    inner join first_months
        on accounts.account_key = first_months.account_key
    inner join month_numbers
        on month_numbers.n <= {{ dbt.datediff('first_months.first_month', 'accounts.horizon_month', 'month') }} + 2

),

won_by_month as (

    select
        account_key,
        pipeline_id,
        {{ period_start('month', 'closed_date') }} as month_start,
        sum(coalesce(amount, 0)) as revenue
    from deals
    where status = 'won' and closed_date is not null
    group by account_key, pipeline_id, {{ period_start('month', 'closed_date') }}

),

open_weighted as (

    select
        deals.account_key,
        deals.pipeline_id,
        sum(coalesce(deals.amount, 0) * coalesce(probabilities.stage_win_probability, 0)) as weighted_open_pipeline
    from deals
    left join {{ ref('dim_stage_win_probabilities') }} as probabilities
        on
            deals.account_key = probabilities.account_key
            and deals.pipeline_id = probabilities.pipeline_id
            and deals.stage_id = probabilities.stage_id
    where deals.status = 'open'
    group by deals.account_key, deals.pipeline_id

),

pipeline_months as (

    select
        months.account_key,
        pipelines.pipeline_id,
        months.month_start,
        months.horizon_month,
        case
            when months.month_start < months.horizon_month then months.month_start
            else months.horizon_month
        end as base_end,
        coalesce(won_by_month.revenue, 0) as won_to_date
    from months
    inner join pipelines
        on months.account_key = pipelines.account_key
    left join won_by_month
        on
            months.account_key = won_by_month.account_key
            and pipelines.pipeline_id = won_by_month.pipeline_id
            and months.month_start = won_by_month.month_start

),

{# Closed months only (before the horizon month): the history the model may use. #}
closed_months as (

    select
        account_key,
        pipeline_id,
        month_start,
        won_to_date as revenue
    from pipeline_months
    where month_start < horizon_month

),

model_inputs as (

    select
        pipeline_months.account_key,
        pipeline_months.pipeline_id,
        pipeline_months.month_start,
        avg(
            case
                when history.month_start >= {{ dbt.dateadd('month', -3, 'pipeline_months.base_end') }}
                    then history.revenue
            end
        ) as base_revenue,
        sum(
            case
                when history.month_start >= {{ dbt.dateadd('month', -12, 'pipeline_months.base_end') }}
                    then 1
                else 0
            end
        ) as year_months,
        avg(
            case
                when history.month_start >= {{ dbt.dateadd('month', -12, 'pipeline_months.base_end') }}
                    then history.revenue
            end
        ) as year_mean_revenue,
        max(
            case
                when history.month_start = {{ dbt.dateadd('month', -12, 'pipeline_months.month_start') }}
                    then history.revenue
            end
        ) as year_ago_revenue
    from pipeline_months
    inner join closed_months as history
        on
            pipeline_months.account_key = history.account_key
            and pipeline_months.pipeline_id = history.pipeline_id
            and pipeline_months.base_end > history.month_start
    group by pipeline_months.account_key, pipeline_months.pipeline_id, pipeline_months.month_start

),

modelled as (

    select
        pipeline_months.account_key,
        pipeline_months.pipeline_id,
        pipeline_months.month_start,
        pipeline_months.horizon_month,
        pipeline_months.won_to_date,
        model_inputs.base_revenue
        * case
            when
                model_inputs.year_months = 12
                and model_inputs.year_ago_revenue is not null
                and model_inputs.year_mean_revenue > 0
                then model_inputs.year_ago_revenue / model_inputs.year_mean_revenue
            else 1
        end as model_forecast
    from pipeline_months
    left join model_inputs
        on
            pipeline_months.account_key = model_inputs.account_key
            and pipeline_months.pipeline_id = model_inputs.pipeline_id
            and pipeline_months.month_start = model_inputs.month_start

),

backtest as (

    select
        account_key,
        pipeline_id,
        avg(
            case
                when won_to_date > model_forecast then won_to_date - model_forecast else model_forecast - won_to_date
            end
            / won_to_date
        ) as backtest_mape,
        count(*) as backtest_months
    from modelled
    where month_start < horizon_month and model_forecast is not null and won_to_date > 0
    group by account_key, pipeline_id

)

select
    modelled.account_key,
    modelled.pipeline_id,
    modelled.month_start,
    case
        when modelled.month_start < modelled.horizon_month then 'closed'
        when modelled.month_start = modelled.horizon_month then 'current'
        else 'future'
    end as month_status,
    cast(modelled.won_to_date as {{ type_money() }}) as won_to_date,
    cast(
        case
            when modelled.month_start = modelled.horizon_month then coalesce(open_weighted.weighted_open_pipeline, 0)
            else 0
        end as {{ type_money() }}
    ) as weighted_open_pipeline,
    cast(modelled.model_forecast as {{ type_money() }}) as model_forecast,
    cast(
        case
            when modelled.month_start < modelled.horizon_month then modelled.won_to_date
            when modelled.month_start = modelled.horizon_month
                then modelled.won_to_date + coalesce(open_weighted.weighted_open_pipeline, 0)
            else modelled.model_forecast
        end as {{ type_money() }}
    ) as forecast_revenue,
    cast(backtest.backtest_mape as {{ type_double() }}) as backtest_mape,
    cast(coalesce(backtest.backtest_months, 0) as {{ dbt.type_bigint() }}) as backtest_months
from modelled
left join open_weighted
    on
        modelled.account_key = open_weighted.account_key
        and modelled.pipeline_id = open_weighted.pipeline_id
left join backtest
    on
        modelled.account_key = backtest.account_key
        and modelled.pipeline_id = backtest.pipeline_id
