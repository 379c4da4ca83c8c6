{#
    Stage win probability per pipeline stage: of the deals that reached the stage (see
    fct_deal_stage_reach) and closed in the same pipeline during the trailing 12 months that
    end on the account's data horizon (not the build date), the share that was won. Won stages
    are 1 and lost stages 0. An open stage without such closings falls back to the pipeline's
    win rate over the same window (NULL when the pipeline has none either).
#}
with stages as (

    select * from {{ ref('dim_pipeline_stages') }}

),

accounts as (

    select
        account_key,
        as_of_date
    from {{ ref('int_accounts') }}

),

closed_reach as (

    select
        reach.account_key,
        reach.pipeline_id,
        reach.stage_id,
        reach.deal_id,
        reach.outcome_in_pipeline
    from {{ ref('fct_deal_stage_reach') }} as reach
    inner join accounts
        on reach.account_key = accounts.account_key
    where
        not reach.is_deleted
        and reach.outcome_in_pipeline in ('won', 'lost')
        and reach.closed_date <= accounts.as_of_date
        and reach.closed_date > {{ add_days(dbt.dateadd('month', -12, 'accounts.as_of_date'), 0) }}

),

stage_outcomes as (

    select
        account_key,
        pipeline_id,
        stage_id,
        count(*) as deals_closed_12m,
        sum(case when outcome_in_pipeline = 'won' then 1 else 0 end) as deals_won_12m
    from closed_reach
    group by account_key, pipeline_id, stage_id

),

pipeline_outcomes as (

    select
        deals.account_key,
        deals.pipeline_id,
        count(*) as deals_closed_12m,
        sum(case when deals.status = 'won' then 1 else 0 end) as deals_won_12m
    from {{ ref('fct_deals') }} as deals
    inner join accounts
        on deals.account_key = accounts.account_key
    where
        not deals.is_deleted
        and deals.status in ('won', 'lost')
        and deals.closed_date <= accounts.as_of_date
        and deals.closed_date > {{ add_days(dbt.dateadd('month', -12, 'accounts.as_of_date'), 0) }}
    group by deals.account_key, deals.pipeline_id

)

select
    stages.account_key,
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
left join stage_outcomes
    on
        stages.account_key = stage_outcomes.account_key
        and stages.pipeline_id = stage_outcomes.pipeline_id
        and stages.stage_id = stage_outcomes.stage_id
left join pipeline_outcomes
    on
        stages.account_key = pipeline_outcomes.account_key
        and stages.pipeline_id = pipeline_outcomes.pipeline_id
