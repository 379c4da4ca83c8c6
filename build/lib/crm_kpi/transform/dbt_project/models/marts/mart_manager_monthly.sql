{#
    Manager x local calendar month. Additive measures are the sums of mart_manager_daily (so
    both marts always agree and the month spine inherits the daily zero-filling); ratios are
    computed from those sums; sales-cycle and first-response statistics come from fct_deals;
    the open pipeline at month end from fct_deal_pipeline_month_end (computed once), credited
    to the manager responsible at the month's end whether or not that user is still active:
    a leaver keeps a row for every month in which they hold open deals (or have daily rows).
#}
with daily as (

    select * from {{ ref('mart_manager_daily') }}

),

managers as (

    select * from {{ ref('dim_managers') }}

),

accounts as (

    select
        account_key,
        data_horizon_local,
        data_start_date
    from {{ ref('int_accounts') }}

),

deals as (

    select * from {{ ref('fct_deals') }}
    where not is_deleted

),

monthly_totals as (

    select
        account_key,
        manager_id,
        {{ period_start('month', 'activity_date') }} as month_start,
        sum(deals_created) as deals_created,
        sum(deals_won) as deals_won,
        sum(deals_lost) as deals_lost,
        sum(revenue) as revenue,
        sum(lost_amount) as lost_amount,
        sum(calls_total) as calls_total,
        sum(calls_outbound) as calls_outbound,
        sum(calls_inbound) as calls_inbound,
        sum(calls_answered) as calls_answered,
        sum(calls_missed) as calls_missed,
        sum(call_duration_seconds) as call_duration_seconds,
        sum(meetings_held) as meetings_held,
        sum(emails_sent) as emails_sent,
        sum(emails_received) as emails_received,
        sum(tasks_created) as tasks_created,
        sum(tasks_completed) as tasks_completed,
        sum(tasks_completed_on_time) as tasks_completed_on_time,
        sum(tasks_overdue) as tasks_overdue,
        sum(notes_created) as notes_created,
        min(first_activity_at) as first_activity_at,
        max(last_activity_at) as last_activity_at
    from daily
    group by account_key, manager_id, {{ period_start('month', 'activity_date') }}

),

won_deal_cycles as (

    select
        account_key,
        closing_manager_id as manager_id,
        {{ period_start('month', 'closed_date') }} as month_start,
        {{ stable_avg("days_to_close") }} as avg_days_to_close,
        {{ median('days_to_close') }} as median_days_to_close
    from deals
    where status = 'won' and closed_date is not null and closing_manager_id is not null
    group by account_key, closing_manager_id, {{ period_start('month', 'closed_date') }}

),

first_responses as (

    select
        account_key,
        creating_manager_id as manager_id,
        {{ period_start('month', 'created_date') }} as month_start,
        {{ stable_avg("first_response_minutes") }} as avg_first_response_minutes,
        {{ median('first_response_minutes') }} as median_first_response_minutes,
        sum(case when first_response_at is null then 1 else 0 end) as deals_without_contact,
        count(*) as cohort_deals,
        sum(case when status = 'won' then 1 else 0 end) as cohort_deals_won
    from deals
    where creating_manager_id is not null and created_date is not null
    group by account_key, creating_manager_id, {{ period_start('month', 'created_date') }}

),

open_pipeline as (

    select
        account_key,
        manager_id,
        month_start,
        count(*) as open_deals_end,
        sum(coalesce(amount, 0)) as open_pipeline_amount_end,
        sum(weighted_amount) as weighted_pipeline_end
    from {{ ref('fct_deal_pipeline_month_end') }}
    where manager_id is not null
    group by account_key, manager_id, month_start

),

{# Months with daily rows, plus months in which a manager (a leaver too) holds open deals. #}
manager_months as (

    select
        account_key,
        manager_id,
        month_start
    from monthly_totals

    union

    select
        account_key,
        manager_id,
        month_start
    from open_pipeline

),

manager_month_totals as (

    select
        manager_months.account_key,
        manager_months.manager_id,
        manager_months.month_start,
        coalesce(monthly_totals.deals_created, 0) as deals_created,
        coalesce(monthly_totals.deals_won, 0) as deals_won,
        coalesce(monthly_totals.deals_lost, 0) as deals_lost,
        coalesce(monthly_totals.revenue, 0) as revenue,
        coalesce(monthly_totals.lost_amount, 0) as lost_amount,
        coalesce(monthly_totals.calls_total, 0) as calls_total,
        coalesce(monthly_totals.calls_outbound, 0) as calls_outbound,
        coalesce(monthly_totals.calls_inbound, 0) as calls_inbound,
        coalesce(monthly_totals.calls_answered, 0) as calls_answered,
        coalesce(monthly_totals.calls_missed, 0) as calls_missed,
        coalesce(monthly_totals.call_duration_seconds, 0) as call_duration_seconds,
        coalesce(monthly_totals.meetings_held, 0) as meetings_held,
        coalesce(monthly_totals.emails_sent, 0) as emails_sent,
        coalesce(monthly_totals.emails_received, 0) as emails_received,
        coalesce(monthly_totals.tasks_created, 0) as tasks_created,
        coalesce(monthly_totals.tasks_completed, 0) as tasks_completed,
        coalesce(monthly_totals.tasks_completed_on_time, 0) as tasks_completed_on_time,
        coalesce(monthly_totals.tasks_overdue, 0) as tasks_overdue,
        coalesce(monthly_totals.notes_created, 0) as notes_created,
        monthly_totals.first_activity_at,
        monthly_totals.last_activity_at
    from manager_months
    left join monthly_totals
        on
            manager_months.account_key = monthly_totals.account_key
            and manager_months.manager_id = monthly_totals.manager_id
            and manager_months.month_start = monthly_totals.month_start

)

select
    monthly_totals.account_key,
    monthly_totals.manager_id,
    monthly_totals.month_start,
    managers.manager_name,
    managers.team_id,
    managers.team_name,
    {{ is_complete_period('monthly_totals.month_start', dbt.dateadd('month', 1, 'monthly_totals.month_start')) }}
        as is_complete_period,
    cast(monthly_totals.deals_created as {{ dbt.type_bigint() }}) as deals_created,
    cast(monthly_totals.deals_won as {{ dbt.type_bigint() }}) as deals_won,
    cast(monthly_totals.deals_lost as {{ dbt.type_bigint() }}) as deals_lost,
    cast(monthly_totals.revenue as {{ type_money() }}) as revenue,
    cast(monthly_totals.lost_amount as {{ type_money() }}) as lost_amount,
    cast(
        {{ safe_divide('monthly_totals.revenue', 'monthly_totals.deals_won') }} as {{ type_money() }}
    ) as avg_deal_value,
    {{ safe_divide('monthly_totals.deals_won', 'monthly_totals.deals_won + monthly_totals.deals_lost') }}
        as win_rate,
    {{ safe_divide('monthly_totals.revenue', 'monthly_totals.revenue + monthly_totals.lost_amount') }}
        as win_rate_amount,
    cast(won_deal_cycles.avg_days_to_close as {{ type_double() }}) as avg_days_to_close,
    cast(won_deal_cycles.median_days_to_close as {{ type_double() }}) as median_days_to_close,
    cast(monthly_totals.calls_total as {{ dbt.type_bigint() }}) as calls_total,
    cast(monthly_totals.calls_outbound as {{ dbt.type_bigint() }}) as calls_outbound,
    cast(monthly_totals.calls_inbound as {{ dbt.type_bigint() }}) as calls_inbound,
    cast(monthly_totals.calls_answered as {{ dbt.type_bigint() }}) as calls_answered,
    cast(monthly_totals.calls_missed as {{ dbt.type_bigint() }}) as calls_missed,
    cast(monthly_totals.call_duration_seconds as {{ dbt.type_bigint() }}) as call_duration_seconds,
    {{ safe_divide('monthly_totals.call_duration_seconds', 'monthly_totals.calls_answered') }}
        as avg_call_seconds,
    cast(monthly_totals.meetings_held as {{ dbt.type_bigint() }}) as meetings_held,
    {{ safe_divide('monthly_totals.meetings_held', 'monthly_totals.calls_total') }}
        as call_to_meeting_rate,
    cast(monthly_totals.emails_sent as {{ dbt.type_bigint() }}) as emails_sent,
    cast(monthly_totals.emails_received as {{ dbt.type_bigint() }}) as emails_received,
    cast(monthly_totals.tasks_created as {{ dbt.type_bigint() }}) as tasks_created,
    cast(monthly_totals.tasks_completed as {{ dbt.type_bigint() }}) as tasks_completed,
    cast(monthly_totals.tasks_completed_on_time as {{ dbt.type_bigint() }}) as tasks_completed_on_time,
    cast(monthly_totals.tasks_overdue as {{ dbt.type_bigint() }}) as tasks_overdue,
    {{ safe_divide('monthly_totals.tasks_completed_on_time', 'monthly_totals.tasks_completed') }}
        as task_on_time_rate,
    cast(monthly_totals.notes_created as {{ dbt.type_bigint() }}) as notes_created,
    cast(first_responses.median_first_response_minutes as {{ type_double() }})
        as median_first_response_minutes,
    cast(first_responses.avg_first_response_minutes as {{ type_double() }})
        as avg_first_response_minutes,
    cast(coalesce(first_responses.deals_without_contact, 0) as {{ dbt.type_bigint() }})
        as deals_without_contact,
    cast(coalesce(open_pipeline.open_deals_end, 0) as {{ dbt.type_bigint() }}) as open_deals_end,
    cast(coalesce(open_pipeline.open_pipeline_amount_end, 0) as {{ type_money() }})
        as open_pipeline_amount_end,
    cast(coalesce(open_pipeline.weighted_pipeline_end, 0) as {{ type_money() }})
        as weighted_pipeline_end,
    {{ safe_divide('first_responses.cohort_deals_won', 'first_responses.cohort_deals') }}
        as cohort_conversion_rate,
    monthly_totals.first_activity_at,
    monthly_totals.last_activity_at
from manager_month_totals as monthly_totals
left join accounts
    on monthly_totals.account_key = accounts.account_key
left join managers
    on
        monthly_totals.account_key = managers.account_key
        and monthly_totals.manager_id = managers.manager_id
left join won_deal_cycles
    on
        monthly_totals.account_key = won_deal_cycles.account_key
        and monthly_totals.manager_id = won_deal_cycles.manager_id
        and monthly_totals.month_start = won_deal_cycles.month_start
left join first_responses
    on
        monthly_totals.account_key = first_responses.account_key
        and monthly_totals.manager_id = first_responses.manager_id
        and monthly_totals.month_start = first_responses.month_start
left join open_pipeline
    on
        monthly_totals.account_key = open_pipeline.account_key
        and monthly_totals.manager_id = open_pipeline.manager_id
        and monthly_totals.month_start = open_pipeline.month_start
