{#
    Manager x ISO week (Monday to Sunday, local dates): the sums of mart_manager_daily over the
    week, so the week spine inherits the daily zero-filling, and the ratios recomputed from
    those sums. The first and last weeks of the data range may be partial (`days_in_data`,
    `is_complete_week`).
#}
{%- set additive = [
    'deals_created', 'deals_won', 'deals_lost', 'revenue', 'lost_amount', 'calls_total',
    'calls_outbound', 'calls_inbound', 'calls_answered', 'calls_missed', 'call_duration_seconds',
    'meetings_held', 'emails_sent', 'emails_received', 'tasks_created', 'tasks_completed',
    'tasks_completed_on_time', 'tasks_overdue', 'notes_created'
] -%}
{%- set money = ['revenue', 'lost_amount'] -%}
with daily as (

    select * from {{ ref('mart_manager_daily') }}

),

managers as (

    select * from {{ ref('dim_managers') }}

),

accounts as (

    select
        account_key,
        as_of_date,
        data_horizon_local,
        data_start_date
    from {{ ref('int_accounts') }}

),

weekly as (

    select
        account_key,
        manager_id,
        {{ period_start('week', 'activity_date') }} as week_start,
        {%- for column in additive %}
            sum({{ column }}) as {{ column }},
        {%- endfor %}
        count(*) as days_in_data
    from daily
    group by account_key, manager_id, {{ period_start('week', 'activity_date') }}

)

select
    weekly.account_key,
    weekly.manager_id,
    weekly.week_start,
    {{ add_days('weekly.week_start', 6) }} as week_end,
    coalesce(
        weekly.days_in_data = 7 and {{ add_days('weekly.week_start', 6) }} <= accounts.as_of_date, false
    ) as is_complete_week,
    {{ is_complete_period('weekly.week_start', add_days('weekly.week_start', 7)) }} as is_complete_period,
    cast(weekly.days_in_data as {{ dbt.type_int() }}) as days_in_data,
    managers.manager_name,
    managers.team_id,
    managers.team_name,
    {%- for column in additive %}
        cast(weekly.{{ column }} as {{ type_money() if column in money else dbt.type_bigint() }})
            as {{ column }},
    {%- endfor %}
    cast({{ safe_divide('weekly.revenue', 'weekly.deals_won') }} as {{ type_money() }}) as avg_deal_value,
    {{ safe_divide('weekly.deals_won', 'weekly.deals_won + weekly.deals_lost') }} as win_rate,
    {{ safe_divide('weekly.revenue', 'weekly.revenue + weekly.lost_amount') }} as win_rate_amount,
    {{ safe_divide('weekly.call_duration_seconds', 'weekly.calls_answered') }} as avg_call_seconds,
    {{ safe_divide('weekly.meetings_held', 'weekly.calls_total') }} as call_to_meeting_rate,
    {{ safe_divide('weekly.tasks_completed_on_time', 'weekly.tasks_completed') }} as task_on_time_rate
from weekly
left join managers
    on
        weekly.account_key = managers.account_key
        and weekly.manager_id = managers.manager_id
left join accounts
    on weekly.account_key = accounts.account_key
