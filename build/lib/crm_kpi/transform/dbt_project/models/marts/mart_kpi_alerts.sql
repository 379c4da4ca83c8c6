{#
    Alerts detected on the account's data horizon (as_of_date, never the build date), one row
    per finding. Rules and thresholds (in the `rules` CTE):
      stage_conversion_drop  share of the deals leaving an open stage that moved forward (a
                             later open stage or won) in the last 30 days is below 80 % of the
                             same share over the 90 days before, with at least 5 exits now
                             and 10 in the baseline;
      manager_overloaded     open deals at the horizon above 1.5x the mean of the account's
                             managers with open deals;
      untouched_deals        open deals created more than 24 hours before the horizon with no
                             outbound contact yet (per manager, count >= 1);
      overdue_tasks          overdue open tasks at the horizon >= 3 (per manager);
      activity_drop          calls + e-mails + meetings of the last 7 days below 50 % of the
                             weekly mean of the 4 weeks before, with a baseline of >= 10.
    severity: `high` when the metric is twice as far past the threshold, else `medium`.
#}
with accounts as (

    select
        account_key,
        as_of,
        as_of_date
    from {{ ref('int_accounts') }}
    where as_of_date is not null

),

stages as (

    select * from {{ ref('dim_pipeline_stages') }}

),

workload as (

    select workload.*
    from {{ ref('mart_manager_workload_daily') }} as workload
    inner join accounts
        on
            workload.account_key = accounts.account_key
            and workload.date_day = accounts.as_of_date

),

stage_exits as (

    select
        transitions.account_key,
        transitions.from_pipeline_id as pipeline_id,
        transitions.from_stage_id as stage_id,
        case
            when {{ dbt.datediff('transitions.changed_date', 'accounts.as_of_date', 'day') }} < 30 then 'recent'
            else 'baseline'
        end as window_name,
        case
            when to_stages.stage_type = 'won' then 1
            when
                to_stages.stage_type = 'open'
                and transitions.to_pipeline_id = transitions.from_pipeline_id
                and to_stages.stage_sort > from_stages.stage_sort
                then 1
            else 0
        end as moved_forward
    from {{ ref('fct_deal_stage_transitions') }} as transitions
    inner join accounts
        on transitions.account_key = accounts.account_key
    inner join stages as from_stages
        on
            transitions.account_key = from_stages.account_key
            and transitions.from_pipeline_id = from_stages.pipeline_id
            and transitions.from_stage_id = from_stages.stage_id
            and from_stages.stage_type = 'open'
    left join stages as to_stages
        on
            transitions.account_key = to_stages.account_key
            and transitions.to_pipeline_id = to_stages.pipeline_id
            and transitions.to_stage_id = to_stages.stage_id
    where
        not transitions.is_deal_deleted
        and transitions.changed_date <= accounts.as_of_date
        and {{ dbt.datediff('transitions.changed_date', 'accounts.as_of_date', 'day') }} < 120

),

stage_rates as (

    select
        account_key,
        pipeline_id,
        stage_id,
        sum(case when window_name = 'recent' then 1 else 0 end) as recent_exits,
        sum(case when window_name = 'baseline' then 1 else 0 end) as baseline_exits,
        {{ safe_divide(
            "sum(case when window_name = 'recent' then moved_forward else 0 end)",
            "sum(case when window_name = 'recent' then 1 else 0 end)") }} as recent_rate,
        {{ safe_divide(
            "sum(case when window_name = 'baseline' then moved_forward else 0 end)",
            "sum(case when window_name = 'baseline' then 1 else 0 end)") }} as baseline_rate
    from stage_exits
    group by account_key, pipeline_id, stage_id

),

stage_alerts as (

    select
        stage_rates.account_key,
        'stage_conversion_drop' as alert_type,
        cast(null as {{ dbt.type_string() }}) as manager_id,
        stage_rates.pipeline_id,
        stage_rates.stage_id,
        stage_rates.recent_rate as metric_value,
        stage_rates.baseline_rate as baseline_value,
        case when stage_rates.recent_rate < stage_rates.baseline_rate * 0.6 then 'high' else 'medium' end
            as severity,
        {{ concat_parts([
            "'Conversion from stage '", "coalesce(stages.stage_name, stage_rates.stage_id)",
            "' fell to '", "cast(round(cast(stage_rates.recent_rate * 100 as " ~ dbt.type_numeric() ~ "), 0) as " ~ dbt.type_string() ~ ")",
            "'% in the last 30 days (baseline '",
            "cast(round(cast(stage_rates.baseline_rate * 100 as " ~ dbt.type_numeric() ~ "), 0) as " ~ dbt.type_string() ~ ")",
            "'%)'"]) }} as message
    from stage_rates
    left join stages
        on
            stage_rates.account_key = stages.account_key
            and stage_rates.pipeline_id = stages.pipeline_id
            and stage_rates.stage_id = stages.stage_id
    where
        stage_rates.recent_exits >= 5
        and stage_rates.baseline_exits >= 10
        and stage_rates.recent_rate < stage_rates.baseline_rate * 0.8

),

account_load as (

    select
        account_key,
        avg(cast(open_deals as {{ type_double() }})) as mean_open_deals
    from workload
    where open_deals > 0
    group by account_key

),

overload_alerts as (

    select
        workload.account_key,
        'manager_overloaded' as alert_type,
        workload.manager_id,
        cast(null as {{ dbt.type_string() }}) as pipeline_id,
        cast(null as {{ dbt.type_string() }}) as stage_id,
        cast(workload.open_deals as {{ type_double() }}) as metric_value,
        account_load.mean_open_deals as baseline_value,
        case when workload.open_deals > account_load.mean_open_deals * 2 then 'high' else 'medium' end
            as severity,
        {{ concat_parts([
            "cast(workload.open_deals as " ~ dbt.type_string() ~ ")",
            "' open deals, 1.5x above the team mean of '",
            "cast(round(cast(account_load.mean_open_deals as " ~ dbt.type_numeric() ~ "), 1) as " ~ dbt.type_string() ~ ")"]) }}
            as message
    from workload
    inner join account_load
        on workload.account_key = account_load.account_key
    where workload.open_deals > account_load.mean_open_deals * 1.5

),

untouched as (

    select
        deals.account_key,
        deals.manager_id,
        count(*) as untouched_deals
    from {{ ref('fct_deals') }} as deals
    inner join accounts
        on deals.account_key = accounts.account_key
    where
        not deals.is_deleted
        and deals.status = 'open'
        and deals.first_response_at is null
        and deals.manager_id is not null
        and {{ hours_between('deals.created_at', 'accounts.as_of') }} > 24
    group by deals.account_key, deals.manager_id

),

untouched_alerts as (

    select
        account_key,
        'untouched_deals' as alert_type,
        manager_id,
        cast(null as {{ dbt.type_string() }}) as pipeline_id,
        cast(null as {{ dbt.type_string() }}) as stage_id,
        cast(untouched_deals as {{ type_double() }}) as metric_value,
        cast(0 as {{ type_double() }}) as baseline_value,
        case when untouched_deals >= 5 then 'high' else 'medium' end as severity,
        {{ concat_parts([
            "cast(untouched_deals as " ~ dbt.type_string() ~ ")",
            "' open deals older than 24 hours have had no outbound contact'"]) }} as message
    from untouched

),

overdue_alerts as (

    select
        account_key,
        'overdue_tasks' as alert_type,
        manager_id,
        cast(null as {{ dbt.type_string() }}) as pipeline_id,
        cast(null as {{ dbt.type_string() }}) as stage_id,
        cast(overdue_open_tasks as {{ type_double() }}) as metric_value,
        cast(3 as {{ type_double() }}) as baseline_value,
        case when overdue_open_tasks >= 6 then 'high' else 'medium' end as severity,
        {{ concat_parts([
            "cast(overdue_open_tasks as " ~ dbt.type_string() ~ ")",
            "' open tasks are past their deadline'"]) }} as message
    from workload
    where overdue_open_tasks >= 3

),

weekly_activity as (

    select
        daily.account_key,
        daily.manager_id,
        sum(
            case
                when {{ dbt.datediff('daily.activity_date', 'accounts.as_of_date', 'day') }} < 7
                    then daily.calls_total + daily.emails_sent + daily.meetings_held
                else 0
            end
        ) as recent_activities,
        sum(
            case
                when {{ dbt.datediff('daily.activity_date', 'accounts.as_of_date', 'day') }} >= 7
                    then daily.calls_total + daily.emails_sent + daily.meetings_held
                else 0
            end
        ) / 4.0 as baseline_weekly_activities,
        count(*) as days_seen
    from {{ ref('mart_manager_daily') }} as daily
    inner join accounts
        on daily.account_key = accounts.account_key
    where
        daily.activity_date <= accounts.as_of_date
        and {{ dbt.datediff('daily.activity_date', 'accounts.as_of_date', 'day') }} < 35
    group by daily.account_key, daily.manager_id

),

activity_alerts as (

    select
        account_key,
        'activity_drop' as alert_type,
        manager_id,
        cast(null as {{ dbt.type_string() }}) as pipeline_id,
        cast(null as {{ dbt.type_string() }}) as stage_id,
        cast(recent_activities as {{ type_double() }}) as metric_value,
        cast(baseline_weekly_activities as {{ type_double() }}) as baseline_value,
        case when recent_activities < baseline_weekly_activities * 0.25 then 'high' else 'medium' end
            as severity,
        {{ concat_parts([
            "cast(recent_activities as " ~ dbt.type_string() ~ ")",
            "' calls, e-mails and meetings in the last 7 days against a weekly mean of '",
            "cast(round(cast(baseline_weekly_activities as " ~ dbt.type_numeric() ~ "), 1) as " ~ dbt.type_string() ~ ")"]) }}
            as message
    from weekly_activity
    where
        days_seen = 35
        and baseline_weekly_activities >= 10
        and recent_activities < baseline_weekly_activities * 0.5

),

all_alerts as (

    select * from stage_alerts
    union all
    select * from overload_alerts
    union all
    select * from untouched_alerts
    union all
    select * from overdue_alerts
    union all
    select * from activity_alerts

)

select
    {{ concat_parts([
        "all_alerts.account_key", "'|'", "all_alerts.alert_type", "'|'",
        "coalesce(all_alerts.manager_id, '')", "'|'", "coalesce(all_alerts.pipeline_id, '')", "'|'",
        "coalesce(all_alerts.stage_id, '')", "'|'", "cast(accounts.as_of_date as " ~ dbt.type_string() ~ ")"]) }}
        as alert_id,
    all_alerts.account_key,
    accounts.as_of_date as detected_date,
    all_alerts.alert_type,
    all_alerts.manager_id,
    all_alerts.pipeline_id,
    all_alerts.stage_id,
    all_alerts.metric_value,
    all_alerts.baseline_value,
    all_alerts.severity,
    all_alerts.message
from all_alerts
inner join accounts
    on all_alerts.account_key = accounts.account_key
