{#
    Manager x local calendar month. Additive measures are the sums of mart_manager_daily (so
    both marts always agree and the month spine inherits the daily zero-filling); ratios are
    computed from those sums; sales-cycle and first-response statistics come from fct_deals;
    the open pipeline at month end from the deals' status and responsible histories.
#}
with daily as (

    select * from {{ ref('mart_manager_daily') }}

),

managers as (

    select * from {{ ref('dim_managers') }}

),

deals as (

    select * from {{ ref('fct_deals') }}
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
        avg(days_to_close) as avg_days_to_close,
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
        avg(first_response_minutes) as avg_first_response_minutes,
        {{ median('first_response_minutes') }} as median_first_response_minutes,
        sum(case when first_response_at is null then 1 else 0 end) as deals_without_contact,
        count(*) as cohort_deals,
        sum(case when status = 'won' then 1 else 0 end) as cohort_deals_won
    from deals
    where creating_manager_id is not null and created_date is not null
    group by account_key, creating_manager_id, {{ period_start('month', 'created_date') }}

),

month_ends as (

    select distinct
        account_key,
        month_start,
        {{ add_days(dbt.dateadd('month', 1, 'month_start'), -1) }} as month_end_date
    from monthly_totals

),

open_deals_at_month_end as (

    select
        month_ends.account_key,
        month_ends.month_start,
        month_ends.month_end_date,
        deals.deal_id,
        deals.amount,
        deals.amount * win_probabilities.stage_win_probability as weighted_amount
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
    left join win_probabilities
        on
            status_history.account_key = win_probabilities.account_key
            and status_history.pipeline_id = win_probabilities.pipeline_id
            and status_history.stage_id = win_probabilities.stage_id

),

open_pipeline as (

    select
        open_deals.account_key,
        responsible_history.manager_id,
        open_deals.month_start,
        count(*) as open_deals_end,
        sum(coalesce(open_deals.amount, 0)) as open_pipeline_amount_end,
        sum(coalesce(open_deals.weighted_amount, 0)) as weighted_pipeline_end
    from open_deals_at_month_end as open_deals
    inner join responsible_history
        on
            open_deals.account_key = responsible_history.account_key
            and open_deals.deal_id = responsible_history.deal_id
            and (
                responsible_history.valid_from_date is null
                or open_deals.month_end_date >= responsible_history.valid_from_date
            )
            and (
                responsible_history.valid_to_date is null
                or open_deals.month_end_date < responsible_history.valid_to_date
            )
    where responsible_history.manager_id is not null
    group by open_deals.account_key, responsible_history.manager_id, open_deals.month_start

)

select
    monthly_totals.account_key,
    monthly_totals.manager_id,
    monthly_totals.month_start,
    managers.manager_name,
    managers.team_id,
    managers.team_name,
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
from monthly_totals
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
