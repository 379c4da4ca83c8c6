{#
    Period-over-period comparison of the headline KPIs per manager and for the whole account
    (manager_id NULL), per ISO week (Monday), calendar month and quarter: the value, the
    previous period's value and the value a year earlier. Built from mart_manager_daily, so
    every period of the spine is present (zeros, not gaps); ratios come from the sums.
    A partial period is never set against a complete one: `previous_value` and
    `year_ago_value` are given only when both periods are complete; a running period (the one
    holding the data horizon) is compared with the previous period over the same number of
    elapsed days (`previous_value_to_date`: the previous period's first n days, n = the days
    from the running period's start to the horizon's local date, inclusive), and only when
    the previous period's data is complete from its start. Changes use `previous_value` for
    complete periods, `previous_value_to_date` for the running one. Values are
    DECIMAL(28,8): money and counts exact, ratios to 8 decimals.
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
{#- Ratio KPIs are recomputed from each period's sums (uncast: one value type below). -#}
{%- set ratios = ['win_rate', 'avg_deal_value'] -%}
{#- One type for every KPI value: money and counts exact, ratios to 8 decimals. -#}
{%- set kpi_value_type = 'numeric(28, 8)' -%}
{%- set grains = var('period_comparison_grains', ['week', 'month', 'quarter']) -%}
with daily as (

    select * from {{ ref('mart_manager_daily') }}

),

accounts as (

    select
        account_key,
        data_horizon_local,
        cast(data_horizon_local as date) as horizon_date,
        data_start_date
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

{# Each period's sums, and its sums over its first n days (n = elapsed days of the running period). #}
period_sums as (

    {%- for grain in grains %}
        {%- set day_in_period = dbt.datediff(
            period_start(grain, 'daily_scopes.activity_date'), 'daily_scopes.activity_date', 'day') %}
        {%- set horizon_day_in_period = dbt.datediff(
            period_start(grain, 'accounts.horizon_date'), 'accounts.horizon_date', 'day') %}
        select
            daily_scopes.account_key,
            daily_scopes.manager_id,
            '{{ grain }}' as period_grain,
            {%- for column in additive %}
                sum(daily_scopes.{{ column }}) as {{ column }},
                sum(
                    case
                        when {{ day_in_period }} <= {{ horizon_day_in_period }}
                            then daily_scopes.{{ column }}
                    end
                ) as {{ column }}__to_date,
            {%- endfor %}
            {{ period_start(grain, 'daily_scopes.activity_date') }} as period_start
        from daily_scopes
        left join accounts
            on daily_scopes.account_key = accounts.account_key
        group by
            daily_scopes.account_key,
            daily_scopes.manager_id,
            {{ period_start(grain, 'daily_scopes.activity_date') }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

kpi_values as (

    {%- for kpi_name in kpis %}
        {%- set value_expression = kpi(kpi_name, typed=false) if kpi_name in ratios else kpi_name %}
        {%- set to_date_expression = kpi(kpi_name, suffix='__to_date', typed=false)
            if kpi_name in ratios else kpi_name ~ '__to_date' %}
        select
            account_key,
            manager_id,
            period_grain,
            period_start,
            '{{ kpi_name }}' as kpi,
            cast({{ value_expression }} as {{ kpi_value_type }}) as kpi_value,
            cast({{ to_date_expression }} as {{ kpi_value_type }}) as kpi_value_to_date
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
            when 'week' then cast({{ dbt.dateadd('day', 7, 'period_start') }} as date)
            when 'month' then cast({{ dbt.dateadd('month', 1, 'period_start') }} as date)
            else cast({{ dbt.dateadd('month', 3, 'period_start') }} as date)
        end as next_period_start
    from kpi_values

),

with_completeness as (

    select
        keyed.*,
        {{ add_days('keyed.next_period_start', -1) }} as period_end,
        {{ is_complete_period('keyed.period_start', 'keyed.next_period_start') }} as is_complete_period,
        coalesce(
            keyed.period_start <= accounts.horizon_date
            and accounts.horizon_date < keyed.next_period_start,
            false
        ) as is_running_period,
        coalesce(accounts.data_start_date <= keyed.period_start, false) as has_data_from_start
    from keyed
    left join accounts
        on keyed.account_key = accounts.account_key

),

compared as (

    select
        current_period.account_key,
        current_period.manager_id,
        current_period.kpi,
        current_period.period_grain,
        current_period.period_start,
        current_period.period_end,
        current_period.is_complete_period,
        current_period.kpi_value,
        case
            when current_period.is_complete_period and previous_period.is_complete_period
                then previous_period.kpi_value
        end as previous_value,
        case
            when current_period.is_complete_period and previous_period.is_complete_period
                then previous_period.kpi_value
            when
                current_period.is_running_period
                and current_period.has_data_from_start
                and previous_period.has_data_from_start
                then previous_period.kpi_value_to_date
        end as previous_value_to_date,
        case
            when current_period.is_complete_period and year_ago.is_complete_period
                then year_ago.kpi_value
        end as year_ago_value
    from with_completeness as current_period
    left join with_completeness as previous_period
        on
            current_period.account_key = previous_period.account_key
            and current_period.manager_key = previous_period.manager_key
            and current_period.kpi = previous_period.kpi
            and current_period.period_grain = previous_period.period_grain
            and current_period.previous_period_start = previous_period.period_start
    left join with_completeness as year_ago
        on
            current_period.account_key = year_ago.account_key
            and current_period.manager_key = year_ago.manager_key
            and current_period.kpi = year_ago.kpi
            and current_period.period_grain = year_ago.period_grain
            and current_period.year_ago_period_start = year_ago.period_start

)

select
    account_key,
    manager_id,
    kpi,
    period_grain,
    period_start,
    period_end,
    is_complete_period,
    kpi_value as value,  -- noqa: RF04
    cast(previous_value as {{ kpi_value_type }}) as previous_value,
    cast(previous_value_to_date as {{ kpi_value_type }}) as previous_value_to_date,
    cast(kpi_value - previous_value_to_date as {{ kpi_value_type }}) as abs_change,
    {{ kpi_ratio('kpi_value - previous_value_to_date', 'abs(previous_value_to_date)') }} as pct_change,
    cast(year_ago_value as {{ kpi_value_type }}) as year_ago_value
from compared
