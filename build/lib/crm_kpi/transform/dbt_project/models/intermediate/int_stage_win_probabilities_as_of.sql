{{ config(materialized="table") }}

{#
    Stage win probability of every pipeline stage as known at each forecast cutoff
    (int_forecast_cutoffs): of the deals that reached the stage (fct_deal_stage_reach) and
    closed in the pipeline during the 12 months before `known_before`, the share that was won.
    Won stages are 1 and lost stages 0; an open stage without such closings takes the
    pipeline's win rate over the same window (NULL when the pipeline has none either). Past
    cutoffs therefore never see later closings (no look-ahead).
#}
with stages as (

    select * from {{ ref('dim_pipeline_stages') }}

),

cutoffs as (

    select
        account_key,
        known_before,
        is_horizon,
        {{ add_days(dbt.dateadd('month', -12, 'known_before'), 0) }} as window_start
    from {{ ref('int_forecast_cutoffs') }}

),

closed_reach as (

    select
        cutoffs.account_key,
        cutoffs.known_before,
        reach.pipeline_id,
        reach.stage_id,
        reach.outcome_in_pipeline
    from {{ ref('fct_deal_stage_reach') }} as reach
    inner join cutoffs
        on
            reach.account_key = cutoffs.account_key
            and reach.closed_date < cutoffs.known_before
            and reach.closed_date >= cutoffs.window_start
    where
        not reach.is_deleted
        and reach.outcome_in_pipeline in ('won', 'lost')

),

stage_outcomes as (

    select
        account_key,
        known_before,
        pipeline_id,
        stage_id,
        count(*) as deals_closed_12m,
        sum(case when outcome_in_pipeline = 'won' then 1 else 0 end) as deals_won_12m
    from closed_reach
    group by account_key, known_before, pipeline_id, stage_id

),

pipeline_outcomes as (

    select
        cutoffs.account_key,
        cutoffs.known_before,
        deals.pipeline_id,
        count(*) as deals_closed_12m,
        sum(case when deals.status = 'won' then 1 else 0 end) as deals_won_12m
    from {{ ref('fct_deals') }} as deals
    inner join cutoffs
        on
            deals.account_key = cutoffs.account_key
            and deals.closed_date < cutoffs.known_before
            and deals.closed_date >= cutoffs.window_start
    where
        not deals.is_deleted
        and deals.status in ('won', 'lost')
    group by cutoffs.account_key, cutoffs.known_before, deals.pipeline_id

)

select
    stages.account_key,
    cutoffs.known_before,
    cutoffs.is_horizon,
    stages.pipeline_id,
    stages.stage_id,
    stages.stage_type,
    cast(coalesce(stage_outcomes.deals_closed_12m, 0) as {{ dbt.type_bigint() }}) as deals_closed_12m,
    cast(coalesce(stage_outcomes.deals_won_12m, 0) as {{ dbt.type_bigint() }}) as deals_won_12m,
    case
        when stages.stage_type = 'won' then cast(1 as {{ type_double() }})
        when stages.stage_type = 'lost' then cast(0 as {{ type_double() }})
        when stage_outcomes.deals_closed_12m > 0
            then {{ safe_divide('stage_outcomes.deals_won_12m', 'stage_outcomes.deals_closed_12m') }}
        else {{ safe_divide('pipeline_outcomes.deals_won_12m', 'pipeline_outcomes.deals_closed_12m') }}
    end as stage_win_probability,
    case
        when stages.stage_type <> 'open' then 'stage_type'
        when stage_outcomes.deals_closed_12m > 0 then 'stage_history'
        when pipeline_outcomes.deals_closed_12m > 0 then 'pipeline_fallback'
        else 'none'
    end as probability_basis
from stages
inner join cutoffs
    on stages.account_key = cutoffs.account_key
left join stage_outcomes
    on
        stages.account_key = stage_outcomes.account_key
        and cutoffs.known_before = stage_outcomes.known_before
        and stages.pipeline_id = stage_outcomes.pipeline_id
        and stages.stage_id = stage_outcomes.stage_id
left join pipeline_outcomes
    on
        stages.account_key = pipeline_outcomes.account_key
        and cutoffs.known_before = pipeline_outcomes.known_before
        and stages.pipeline_id = pipeline_outcomes.pipeline_id
