{#
    Period-over-period comparison of the headline KPIs per manager and for the whole account
    (manager_id NULL), per ISO week (Monday), calendar month and quarter: the value, the
    previous period's value and the value a year earlier. Built from mart_manager_daily, so
    every period of the spine is present (zeros, not gaps); ratios come from the sums.
#}
{%- set additive = [
    'revenue', 'deals_won', 'deals_lost', 'deals_created', 'calls_total', 'calls_answered',
    'meetings_held', 'emails_sent', 'tasks_completed', 'lost_amount'
] -%}
{#- The KPIs and grains can be narrowed with vars (the unit tests do). -#}
{%- set kpis = var('period_comparison_kpis', [
    'revenue', 'deals_won', 'deals_lost', 'deals_created', 'calls_total', 'calls_answered',
    'meetings_held', 'emails_sent', 'tasks_completed', 'win_rate', 'avg_deal_value'
]) -%}
{%- set ratios = {
    'win_rate': safe_divide('deals_won', 'deals_won + deals_lost'),
    'avg_deal_value': safe_divide('revenue', 'deals_won')
} -%}
{%- set grains = var('period_comparison_grains', ['week', 'month', 'quarter']) -%}
with daily as (

    select * from {{ ref('mart_manager_daily') }}

),

accounts as (

    select
        account_key,
        as_of_date
    from {{ ref('int_accounts') }}

),

daily_scopes as (

    select
        account_key,
        manager_id,
        activity_date,
        {{ additive | join(', ') }}
    from daily

    union all

    select
        account_key,
        cast(null as {{ dbt.type_string() }}) as manager_id,
        activity_date,
        {{ additive | join(', ') }}
    from daily

),

period_sums as (

    {%- for grain in grains %}
        select
            account_key,
            manager_id,
            '{{ grain }}' as period_grain,
            {%- for column in additive %}
                sum({{ column }}) as {{ column }},
            {%- endfor %}
            {{ period_start(grain, 'activity_date') }} as period_start
        from daily_scopes
        group by account_key, manager_id, {{ period_start(grain, 'activity_date') }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

kpi_values as (

    {%- for kpi in kpis %}
        select
            account_key,
            manager_id,
            period_grain,
            period_start,
            '{{ kpi }}' as kpi,
            {{ ratios[kpi] if kpi in ratios else 'cast(' ~ kpi ~ ' as ' ~ type_double() ~ ')' }} as kpi_value
        from period_sums
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

keyed as (

    select
        kpi_values.*,
        coalesce(kpi_values.manager_id, '') as manager_key,
        case kpi_values.period_grain
            when 'week' then cast({{ dbt.dateadd('day', -7, 'period_start') }} as date)
            when 'month' then cast({{ dbt.dateadd('month', -1, 'period_start') }} as date)
            else cast({{ dbt.dateadd('month', -3, 'period_start') }} as date)
        end as previous_period_start,
        case kpi_values.period_grain
            when 'week' then cast({{ dbt.dateadd('day', -364, 'period_start') }} as date)
            else cast({{ dbt.dateadd('year', -1, 'period_start') }} as date)
        end as year_ago_period_start,
        case kpi_values.period_grain
            when 'week' then cast({{ dbt.dateadd('day', 6, 'period_start') }} as date)
            when 'month' then cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'period_start')) }} as date)
            else cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 3, 'period_start')) }} as date)
        end as period_end
    from kpi_values

)

select
    current_period.account_key,
    current_period.manager_id,
    current_period.kpi,
    current_period.period_grain,
    current_period.period_start,
    current_period.period_end,
    coalesce(current_period.period_end <= accounts.as_of_date, false) as is_complete_period,
    current_period.kpi_value as value,  -- noqa: RF04
    previous_period.kpi_value as previous_value,
    current_period.kpi_value - previous_period.kpi_value as abs_change,
    {{ safe_divide(
        'current_period.kpi_value - previous_period.kpi_value',
        'abs(previous_period.kpi_value)') }} as pct_change,
    year_ago.kpi_value as year_ago_value
from keyed as current_period
left join keyed as previous_period
    on
        current_period.account_key = previous_period.account_key
        and current_period.manager_key = previous_period.manager_key
        and current_period.kpi = previous_period.kpi
        and current_period.period_grain = previous_period.period_grain
        and current_period.previous_period_start = previous_period.period_start
left join keyed as year_ago
    on
        current_period.account_key = year_ago.account_key
        and current_period.manager_key = year_ago.manager_key
        and current_period.kpi = year_ago.kpi
        and current_period.period_grain = year_ago.period_grain
        and current_period.year_ago_period_start = year_ago.period_start
left join accounts
    on current_period.account_key = accounts.account_key
