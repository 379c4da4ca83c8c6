{#
    Plan versus fact per manager, month and planned metric (the amoCRM "goals" report).
    Plan rows name the manager by id or e-mail. Time is measured against the account's data
    horizon (the local date of `data_horizon_at`), never the build date: a month after the
    horizon has no elapsed days. Targets, actuals, expected-to-date and run-rate values are
    DECIMAL(18,2) (money exact, counts exact); ratios come from the unrounded values.
#}
{%- set metrics = [
    'revenue', 'deals_won', 'deals_created', 'deals_lost', 'calls_total', 'calls_outbound',
    'calls_answered', 'meetings_held', 'emails_sent', 'tasks_completed', 'notes_created'
] -%}
with plan as (

    select * from {{ ref('stg_inputs__sales_plan') }}

),

managers as (

    select * from {{ ref('dim_managers') }}

),

accounts as (

    select
        account_key,
        cast(data_horizon_local as date) as horizon_date,
        data_horizon_local,
        data_start_date
    from {{ ref('int_accounts') }}

),

monthly as (

    select * from {{ ref('mart_manager_monthly') }}

),

actuals as (

    {%- for metric in metrics %}
        select
            account_key,
            manager_id,
            month_start,
            '{{ metric }}' as metric,
            cast({{ metric }} as {{ type_money() }}) as actual
        from monthly
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

targets as (

    select
        plan.account_key,
        coalesce(plan.manager_id, managers.manager_id) as manager_id,
        plan.month_start,
        plan.metric,
        sum(plan.target) as target  -- noqa: RF04
    from plan
    left join managers
        on
            plan.account_key = managers.account_key
            and case when plan.manager_id is null then plan.manager_email end = lower(managers.email)
    where plan.metric in ({{ quoted_list(metrics) }})
    group by
        plan.account_key,
        coalesce(plan.manager_id, managers.manager_id),
        plan.month_start,
        plan.metric

),

timed as (

    select
        targets.account_key,
        targets.manager_id,
        targets.month_start,
        targets.metric,
        targets.target,
        coalesce(actuals.actual, 0) as actual,
        {{ dbt.datediff('targets.month_start', dbt.dateadd('month', 1, 'targets.month_start'), 'day') }}
            as days_in_month,
        case
            when accounts.horizon_date is null or accounts.horizon_date < targets.month_start then 0
            when accounts.horizon_date >= {{ add_days(dbt.dateadd('month', 1, 'targets.month_start'), -1) }}
                then {{ dbt.datediff('targets.month_start', dbt.dateadd('month', 1, 'targets.month_start'), 'day') }}
            else {{ dbt.datediff('targets.month_start', 'accounts.horizon_date', 'day') }} + 1
        end as elapsed_days,
        {{ is_complete_period('targets.month_start', dbt.dateadd('month', 1, 'targets.month_start')) }}
            as is_complete_period
    from targets
    left join actuals
        on
            targets.account_key = actuals.account_key
            and targets.manager_id = actuals.manager_id
            and targets.month_start = actuals.month_start
            and targets.metric = actuals.metric
    left join accounts
        on targets.account_key = accounts.account_key
    where targets.manager_id is not null

),

forecast as (

    select
        timed.*,
        case
            when timed.elapsed_days = 0 then null
            when timed.elapsed_days >= timed.days_in_month then timed.actual
            else
                cast(timed.actual as {{ type_double() }}) / timed.elapsed_days * timed.days_in_month
        end as run_rate_forecast,
        cast(timed.target as {{ type_double() }}) * timed.elapsed_days / timed.days_in_month
            as expected_to_date
    from timed

)

select
    account_key,
    manager_id,
    month_start,
    metric,
    is_complete_period,
    cast(target as {{ type_money() }}) as target,  -- noqa: RF04
    cast(actual as {{ type_money() }}) as actual,
    {{ kpi('attainment') }} as attainment,
    cast(expected_to_date as {{ type_money() }}) as expected_to_date,
    cast(run_rate_forecast as {{ type_money() }}) as run_rate_forecast,
    cast(elapsed_days as {{ dbt.type_int() }}) as elapsed_days,
    cast(days_in_month as {{ dbt.type_int() }}) as days_in_month,
    case
        when run_rate_forecast is null then null
        when run_rate_forecast >= target * 1.05 then 'ahead'
        when run_rate_forecast >= target * 0.95 then 'on_track'
        else 'behind'
    end as status
from forecast
