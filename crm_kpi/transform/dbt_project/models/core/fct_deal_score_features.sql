{#
    What the deal win-probability model (crm_kpi/forecasting) learns from and scores: every deal
    open at a cutoff (int_deal_snapshots: the first day of each complete month, and the data
    horizon) with features known at that cutoff only: pipeline and stage, days open, days in
    stage, amount, lead source, the manager's win rate over the 90 days before, activity counts
    of the last 14 / 30 days, days since the last activity and the first response time (when
    the first outbound contact had happened by then). `is_won` is the label (the deal's
    outcome now; NULL while open).
#}
with snapshots as (

    select * from {{ ref('int_deal_snapshots') }}

),

deals as (

    select * from {{ ref('fct_deals') }}
    where not is_deleted

),

{#
    One row per deal and day with activities (activities of deleted deals never meet a
    snapshot: snapshots hold non-deleted deals only). The features add these up, so no
    snapshot is ever joined to the deal's single activities.
#}
deal_day_activities as (

    select
        account_key,
        deal_id,
        occurred_date,
        count(*) as activities,
        sum(case when activity_type = 'call' and direction = 'outbound' then 1 else 0 end) as outbound_calls,
        sum(case when direction = 'inbound' then 1 else 0 end) as inbound,
        sum(case when activity_type = 'meeting' then 1 else 0 end) as meetings
    from {{ ref('fct_activities') }}
    where deal_id is not null and occurred_date is not null
    group by account_key, deal_id, occurred_date

),

{# The counts: each snapshot meets at most the 30 deal-days before its cutoff. #}
recent_activity_counts as (

    select
        snapshots.account_key,
        snapshots.known_before,
        snapshots.deal_id,
        sum(
            case
                when deal_days.occurred_date >= {{ add_days('snapshots.known_before', -14) }}
                    then deal_days.activities
                else 0
            end
        ) as activities_14d,
        sum(deal_days.activities) as activities_30d,
        sum(deal_days.outbound_calls) as outbound_calls_30d,
        sum(deal_days.inbound) as inbound_30d,
        sum(deal_days.meetings) as meetings_30d
    from snapshots
    inner join deal_day_activities as deal_days
        on
            snapshots.account_key = deal_days.account_key
            and snapshots.deal_id = deal_days.deal_id
            and snapshots.known_before > deal_days.occurred_date
            and {{ add_days('snapshots.known_before', -30) }} <= deal_days.occurred_date
    group by snapshots.account_key, snapshots.known_before, snapshots.deal_id

),

{#
    Snapshot rows and deal-day rows of each deal in date order, for the last activity date:
    a running max over this one sorted list instead of a join to all earlier activities. On
    the cutoff day the snapshot row sorts first (event_order 0): activities of that day are
    not known before the cutoff.
#}
deal_timeline as (

    select
        account_key,
        deal_id,
        known_before as event_date,
        0 as event_order,
        cast(null as date) as occurred_date
    from snapshots

    union all

    select
        account_key,
        deal_id,
        occurred_date as event_date,
        1 as event_order,
        occurred_date
    from deal_day_activities

),

deal_timeline_last_activity as (

    select
        account_key,
        deal_id,
        event_date,
        event_order,
        max(occurred_date) over (
            partition by account_key, deal_id
            order by event_date, event_order
            rows between unbounded preceding and current row
        ) as last_activity_date
    from deal_timeline

),

last_activity_dates as (

    select
        account_key,
        event_date as known_before,
        deal_id,
        last_activity_date
    from deal_timeline_last_activity
    where event_order = 0

),

manager_closings as (

    select
        account_key,
        closing_manager_id as manager_id,
        closed_date,
        case when status = 'won' then 1 else 0 end as is_won
    from deals
    where status in ('won', 'lost') and closing_manager_id is not null

),

manager_cutoffs as (

    select distinct
        snapshots.account_key,
        snapshots.known_before,
        deals.manager_id
    from snapshots
    inner join deals
        on
            snapshots.account_key = deals.account_key
            and snapshots.deal_id = deals.deal_id
    where deals.manager_id is not null

),

manager_features as (

    select
        manager_cutoffs.account_key,
        manager_cutoffs.known_before,
        manager_cutoffs.manager_id,
        count(*) as manager_closed_90d,
        {{ safe_divide('sum(manager_closings.is_won)', 'count(*)') }} as manager_win_rate_90d
    from manager_cutoffs
    inner join manager_closings
        on
            manager_cutoffs.account_key = manager_closings.account_key
            and manager_cutoffs.manager_id = manager_closings.manager_id
            and manager_cutoffs.known_before > manager_closings.closed_date
            and {{ add_days('manager_cutoffs.known_before', -90) }} <= manager_closings.closed_date
    group by manager_cutoffs.account_key, manager_cutoffs.known_before, manager_cutoffs.manager_id

),

{# For the stalled flag of the scores (horizon rows); not a model feature. #}
stage_medians as (

    select
        account_key,
        from_pipeline_id as pipeline_id,
        from_stage_id as stage_id,
        {{ median('hours_in_from_stage') }} as median_hours_in_stage
    from {{ ref('fct_deal_stage_transitions') }}
    where not is_deal_deleted
    group by account_key, from_pipeline_id, from_stage_id

)

select
    snapshots.account_key,
    snapshots.known_before,
    snapshots.as_of_date,
    snapshots.is_horizon,
    snapshots.deal_id,
    deals.deal_name,
    snapshots.pipeline_id,
    snapshots.stage_id,
    stage_rows.stage_name,
    deals.manager_id,
    snapshots.amount,
    coalesce(deals.lead_source, '(not set)') as lead_source,
    snapshots.days_open,
    snapshots.days_in_stage,
    snapshots.stage_win_probability,
    snapshots.expected_close_date,
    case
        when stage_medians.median_hours_in_stage is not null
            then snapshots.days_in_stage * 24 > 2 * stage_medians.median_hours_in_stage
        else snapshots.days_in_stage > 30
    end as is_stalled,
    cast(coalesce(recent_activity_counts.activities_14d, 0) as integer) as activities_14d,
    cast(coalesce(recent_activity_counts.activities_30d, 0) as integer) as activities_30d,
    cast(coalesce(recent_activity_counts.outbound_calls_30d, 0) as integer) as outbound_calls_30d,
    cast(coalesce(recent_activity_counts.inbound_30d, 0) as integer) as inbound_30d,
    cast(coalesce(recent_activity_counts.meetings_30d, 0) as integer) as meetings_30d,
    cast({{ dbt.datediff('last_activity_dates.last_activity_date', 'snapshots.known_before', 'day') }} as integer)
        as days_since_last_activity,
    case
        when {{ to_local_date('deals.first_response_at', 'account_rows.timezone') }} < snapshots.known_before
            then deals.first_response_minutes / 60.0
    end as first_response_hours,
    manager_features.manager_win_rate_90d,
    cast(coalesce(manager_features.manager_closed_90d, 0) as integer) as manager_closed_90d,
    snapshots.final_status,
    snapshots.closed_date,
    case
        when snapshots.final_status = 'won' then true
        when snapshots.final_status = 'lost' then false
    end as is_won
from snapshots
inner join deals
    on
        snapshots.account_key = deals.account_key
        and snapshots.deal_id = deals.deal_id
left join {{ ref('int_accounts') }} as account_rows
    on snapshots.account_key = account_rows.account_key
left join {{ ref('dim_pipeline_stages') }} as stage_rows
    on
        snapshots.account_key = stage_rows.account_key
        and snapshots.pipeline_id = stage_rows.pipeline_id
        and snapshots.stage_id = stage_rows.stage_id
left join stage_medians
    on
        snapshots.account_key = stage_medians.account_key
        and snapshots.pipeline_id = stage_medians.pipeline_id
        and snapshots.stage_id = stage_medians.stage_id
left join recent_activity_counts
    on
        snapshots.account_key = recent_activity_counts.account_key
        and snapshots.known_before = recent_activity_counts.known_before
        and snapshots.deal_id = recent_activity_counts.deal_id
left join last_activity_dates
    on
        snapshots.account_key = last_activity_dates.account_key
        and snapshots.known_before = last_activity_dates.known_before
        and snapshots.deal_id = last_activity_dates.deal_id
left join manager_features
    on
        snapshots.account_key = manager_features.account_key
        and snapshots.known_before = manager_features.known_before
        and deals.manager_id = manager_features.manager_id
