{#
    Correlation between weekly activity and weekly results over manager-weeks: every
    complete Monday-to-Sunday week (inside the account's data range, ending on or before the
    data horizon) of every manager of mart_manager_daily. Pearson r from sums (portable SQL),
    p-value from Student's t with n - 2 degrees of freedom (macros/stats/t_distribution.sql).
    NULL r and p-value under 8 observations or when either metric is constant.
#}
{#- The metric lists can be narrowed with vars (the unit tests do). -#}
{%- set activity_metrics = var('correlation_activity_metrics', [
    'calls_total', 'calls_outbound', 'calls_answered', 'call_duration_seconds', 'meetings_held',
    'emails_sent', 'tasks_completed', 'notes_created'
]) -%}
{%- set outcome_metrics = var(
    'correlation_outcome_metrics', ['deals_won', 'revenue', 'deals_created', 'deals_lost']
) -%}
with daily as (

    select * from {{ ref('mart_manager_daily') }}

),

accounts as (

    select
        account_key,
        as_of_date
    from {{ ref('int_accounts') }}

),

account_ranges as (

    select
        account_key,
        min(activity_date) as first_date
    from daily
    group by account_key

),

manager_weeks as (

    select
        daily.account_key,
        daily.manager_id,
        {{ period_start('week', 'daily.activity_date') }} as week_start,
        {%- for metric in activity_metrics + outcome_metrics %}
            sum(daily.{{ metric }}) as {{ metric }},
        {%- endfor %}
        count(*) as days_in_week
    from daily
    group by daily.account_key, daily.manager_id, {{ period_start('week', 'daily.activity_date') }}

),

complete_weeks as (

    select manager_weeks.*
    from manager_weeks
    inner join account_ranges
        on manager_weeks.account_key = account_ranges.account_key
    inner join accounts
        on manager_weeks.account_key = accounts.account_key
    where
        manager_weeks.week_start >= account_ranges.first_date
        and {{ add_days('manager_weeks.week_start', 6) }} <= accounts.as_of_date
        and manager_weeks.days_in_week = 7

),

activity_values as (

    {%- for metric in activity_metrics %}
        select
            account_key,
            manager_id,
            week_start,
            '{{ metric }}' as activity_metric,
            cast({{ metric }} as {{ type_double() }}) as x
        from complete_weeks
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

outcome_values as (

    {%- for metric in outcome_metrics %}
        select
            account_key,
            manager_id,
            week_start,
            '{{ metric }}' as outcome_metric,
            cast({{ metric }} as {{ type_double() }}) as y
        from complete_weeks
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

sums as (

    select
        activity_values.account_key,
        activity_values.activity_metric,
        outcome_values.outcome_metric,
        count(*) as n,
        sum(activity_values.x) as sx,
        sum(outcome_values.y) as sy,
        sum(activity_values.x * activity_values.x) as sxx,
        sum(outcome_values.y * outcome_values.y) as syy,
        sum(activity_values.x * outcome_values.y) as sxy
    from activity_values
    inner join outcome_values
        on
            activity_values.account_key = outcome_values.account_key
            and activity_values.manager_id = outcome_values.manager_id
            and activity_values.week_start = outcome_values.week_start
    group by activity_values.account_key, activity_values.activity_metric, outcome_values.outcome_metric

),

correlations as (

    select
        account_key,
        activity_metric,
        outcome_metric,
        n,
        case
            when n >= 8 and (n * sxx - sx * sx) > 0 and (n * syy - sy * sy) > 0
                then (n * sxy - sx * sy) / sqrt((n * sxx - sx * sx) * (n * syy - sy * sy))
        end as raw_r
    from sums

),

bounded as (

    select
        account_key,
        activity_metric,
        outcome_metric,
        n,
        {# Rounding noise can push |r| a hair past 1. #}
        case
            when raw_r > 1 then 1.0
            when raw_r < -1 then -1.0
            else raw_r
        end as pearson_r
    from correlations

),

t_statistics as (

    select
        account_key,
        activity_metric,
        outcome_metric,
        n,
        pearson_r,
        case
            when pearson_r is not null and abs(pearson_r) < 1
                then abs(pearson_r) * sqrt((n - 2) / (1 - pearson_r * pearson_r))
        end as t_abs
    from bounded

),

normal_equivalents as (

    select
        t_statistics.*,
        {{ student_t_to_z('t_abs', 'cast(n - 2 as ' ~ type_double() ~ ')') }} as z_equivalent
    from t_statistics

)

select
    account_key,
    activity_metric,
    outcome_metric,
    cast(n as {{ dbt.type_bigint() }}) as n_observations,
    cast(pearson_r as {{ type_double() }}) as pearson_r,
    cast(
        case
            when pearson_r is null then null
            when abs(pearson_r) = 1 then 0
            else round(cast(2 * {{ normal_upper_tail('z_equivalent') }} as {{ dbt.type_numeric() }}), 4)
        end as {{ type_double() }}
    ) as p_value
from normal_equivalents
