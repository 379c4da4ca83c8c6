{#
    What the deal win-probability model (crm_kpi/forecasting) learns from and scores: every deal
    open at a cutoff (int_deal_snapshots: the first day of each complete month, and the data
    horizon) with features known at that cutoff only: pipeline and stage, days open, days in
    stage, amount, lead source, the manager's win rate over the 90 days before, activity counts
    of the last 14 / 30 days, days since the last activity and the first response time (when
    the first outbound contact had happened by then). `is_won` is the label (the deal's
    outcome now; NULL while open).
#}
{# Explicit columns: both CTEs are read several times, so DuckDB materialises them. #}
with snapshots as (

    select
        account_key,
        known_before,
        as_of_date,
        is_horizon,
        deal_id,
        pipeline_id,
        stage_id,
        amount,
        days_open,
        days_in_stage,
        stage_win_probability,
        expected_close_date,
        final_status,
        closed_date
    from {{ ref('int_deal_snapshots') }}

),

deals as (

    select
        account_key,
        deal_id,
        deal_name,
        status,
        closed_date,
        manager_id,
        closing_manager_id,
        lead_source,
        first_response_at,
        first_response_minutes
    from {{ ref('fct_deals') }}
    where not is_deleted

),

{# Activities of deleted deals never meet a snapshot: snapshots hold non-deleted deals only. #}
activities as (

    select
        account_key,
        deal_id,
        activity_type,
        direction,
        occurred_date
    from {{ ref('fct_activities') }}
    where deal_id is not null and occurred_date is not null

),

activity_features as (

    select
        snapshots.account_key,
        snapshots.known_before,
        snapshots.deal_id,
        sum(
            case when activities.occurred_date >= {{ add_days('snapshots.known_before', -14) }} then 1 else 0 end
        ) as activities_14d,
        sum(
            case when activities.occurred_date >= {{ add_days('snapshots.known_before', -30) }} then 1 else 0 end
        ) as activities_30d,
        sum(
            case
                when
                    activities.occurred_date >= {{ add_days('snapshots.known_before', -30) }}
                    and activities.activity_type = 'call'
                    and activities.direction = 'outbound'
                    then 1
                else 0
            end
        ) as outbound_calls_30d,
        sum(
            case
                when
                    activities.occurred_date >= {{ add_days('snapshots.known_before', -30) }}
                    and activities.direction = 'inbound'
                    then 1
                else 0
            end
        ) as inbound_30d,
        sum(
            case
                when
                    activities.occurred_date >= {{ add_days('snapshots.known_before', -30) }}
                    and activities.activity_type = 'meeting'
                    then 1
                else 0
            end
        ) as meetings_30d,
        max(activities.occurred_date) as last_activity_date
    from snapshots
    inner join activities
        on
            snapshots.account_key = activities.account_key
            and snapshots.deal_id = activities.deal_id
            and snapshots.known_before > activities.occurred_date
    group by snapshots.account_key, snapshots.known_before, snapshots.deal_id

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
    cast(coalesce(activity_features.activities_14d, 0) as integer) as activities_14d,
    cast(coalesce(activity_features.activities_30d, 0) as integer) as activities_30d,
    cast(coalesce(activity_features.outbound_calls_30d, 0) as integer) as outbound_calls_30d,
    cast(coalesce(activity_features.inbound_30d, 0) as integer) as inbound_30d,
    cast(coalesce(activity_features.meetings_30d, 0) as integer) as meetings_30d,
    cast({{ dbt.datediff('activity_features.last_activity_date', 'snapshots.known_before', 'day') }} as integer)
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
left join activity_features
    on
        snapshots.account_key = activity_features.account_key
        and snapshots.known_before = activity_features.known_before
        and snapshots.deal_id = activity_features.deal_id
left join manager_features
    on
        snapshots.account_key = manager_features.account_key
        and snapshots.known_before = manager_features.known_before
        and deals.manager_id = manager_features.manager_id
