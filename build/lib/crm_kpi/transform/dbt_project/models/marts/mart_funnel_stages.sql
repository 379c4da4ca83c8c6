{#
    Sales funnel per pipeline open stage and creation cohort month (the amoCRM "sales
    analysis" report). Reach comes from fct_deal_stage_reach; the next stage of the last open
    stage is "won". Time in stage comes from the stage changes out of the stage.
    `is_complete_period`: the cohort month is over at the data horizon (its cohort is
    complete; its deals may still move).
#}
with stages as (

    select * from {{ ref('dim_pipeline_stages') }}
    where stage_type = 'open'

),

accounts as (

    select
        account_key,
        data_horizon_local,
        data_start_date
    from {{ ref('int_accounts') }}

),

reach as (

    select * from {{ ref('fct_deal_stage_reach') }}
    where not is_deleted

),

ordered_stages as (

    select
        account_key,
        pipeline_id,
        stage_id,
        stage_name,
        stage_sort,
        lead(stage_id) over (
            partition by account_key, pipeline_id order by stage_sort, stage_id
        ) as next_stage_id
    from stages

),

cohorts as (

    select distinct
        account_key,
        pipeline_id,
        cohort_month
    from reach

),

reached_counts as (

    select
        account_key,
        pipeline_id,
        stage_id,
        cohort_month,
        count(*) as deals_reached,
        sum(case when is_furthest_stage and outcome_in_pipeline = 'lost' then 1 else 0 end)
            as deals_lost_at_stage,
        sum(case when is_won_in_pipeline then 1 else 0 end) as deals_won
    from reach
    group by account_key, pipeline_id, stage_id, cohort_month

),

stage_times as (

    select
        transitions.account_key,
        transitions.from_pipeline_id as pipeline_id,
        transitions.from_stage_id as stage_id,
        {{ period_start('month', 'deals.created_date') }} as cohort_month,
        {{ stable_avg("transitions.hours_in_from_stage") }} as avg_hours_in_stage,
        {{ median('transitions.hours_in_from_stage') }} as median_hours_in_stage
    from {{ ref('fct_deal_stage_transitions') }} as transitions
    inner join {{ ref('fct_deals') }} as deals
        on
            transitions.account_key = deals.account_key
            and transitions.deal_id = deals.deal_id
    where not deals.is_deleted
    group by
        transitions.account_key,
        transitions.from_pipeline_id,
        transitions.from_stage_id,
        {{ period_start('month', 'deals.created_date') }}

),

spine as (

    select
        ordered_stages.account_key,
        ordered_stages.pipeline_id,
        ordered_stages.stage_id,
        ordered_stages.next_stage_id,
        ordered_stages.stage_name,
        ordered_stages.stage_sort,
        cohorts.cohort_month
    from ordered_stages
    inner join cohorts
        on
            ordered_stages.account_key = cohorts.account_key
            and ordered_stages.pipeline_id = cohorts.pipeline_id

),

funnel as (

    select
        spine.account_key,
        spine.pipeline_id,
        spine.stage_id,
        spine.cohort_month,
        spine.stage_name,
        spine.stage_sort,
        coalesce(this_stage.deals_reached, 0) as deals_reached,
        case
            when spine.next_stage_id is null then coalesce(this_stage.deals_won, 0)
            else coalesce(next_stage.deals_reached, 0)
        end as deals_reached_next,
        coalesce(this_stage.deals_lost_at_stage, 0) as deals_lost_at_stage
    from spine
    left join reached_counts as this_stage
        on
            spine.account_key = this_stage.account_key
            and spine.pipeline_id = this_stage.pipeline_id
            and spine.stage_id = this_stage.stage_id
            and spine.cohort_month = this_stage.cohort_month
    left join reached_counts as next_stage
        on
            spine.account_key = next_stage.account_key
            and spine.pipeline_id = next_stage.pipeline_id
            and spine.next_stage_id = next_stage.stage_id
            and spine.cohort_month = next_stage.cohort_month

)

select
    funnel.account_key,
    funnel.pipeline_id,
    funnel.stage_id,
    funnel.cohort_month,
    funnel.stage_name,
    funnel.stage_sort,
    {{ is_complete_period('funnel.cohort_month', dbt.dateadd('month', 1, 'funnel.cohort_month')) }}
        as is_complete_period,
    cast(funnel.deals_reached as {{ dbt.type_bigint() }}) as deals_reached,
    cast(funnel.deals_reached_next as {{ dbt.type_bigint() }}) as deals_reached_next,
    {{ safe_divide('funnel.deals_reached_next', 'funnel.deals_reached') }} as conversion_to_next,
    cast(funnel.deals_lost_at_stage as {{ dbt.type_bigint() }}) as deals_lost_at_stage,
    {{ safe_divide('funnel.deals_lost_at_stage', 'funnel.deals_reached') }} as drop_off_rate,
    cast(stage_times.avg_hours_in_stage as {{ type_double() }}) as avg_hours_in_stage,
    cast(stage_times.median_hours_in_stage as {{ type_double() }}) as median_hours_in_stage
from funnel
left join accounts
    on funnel.account_key = accounts.account_key
left join stage_times
    on
        funnel.account_key = stage_times.account_key
        and funnel.pipeline_id = stage_times.pipeline_id
        and funnel.stage_id = stage_times.stage_id
        and funnel.cohort_month = stage_times.cohort_month
