{#
    One row per deal open at the data horizon: its win probability (the stage's), age, time in
    the current stage, and whether it is stalled. Durations are measured to the account's data
    horizon (`as_of`), never the build time.
#}
with deals as (

    select * from {{ ref('fct_deals') }}
    where not is_deleted and status = 'open'

),

accounts as (

    select
        account_key,
        as_of
    from {{ ref('int_accounts') }}

),

stages as (

    select * from {{ ref('dim_pipeline_stages') }}

),

probabilities as (

    select * from {{ ref('dim_stage_win_probabilities') }}

),

current_intervals as (

    select
        account_key,
        deal_id,
        valid_from as stage_entered_at
    from {{ ref('int_deal_status_history') }}
    where valid_to is null

),

stage_medians as (

    select
        account_key,
        from_pipeline_id as pipeline_id,
        from_stage_id as stage_id,
        {{ median('hours_in_from_stage') }} as median_hours_in_stage
    from {{ ref('fct_deal_stage_transitions') }}
    where not is_deal_deleted
    group by account_key, from_pipeline_id, from_stage_id

),

scored as (

    select
        deals.account_key,
        deals.deal_id,
        deals.deal_name,
        deals.pipeline_id,
        deals.stage_id,
        stages.stage_name,
        deals.manager_id,
        deals.amount,
        probabilities.stage_win_probability,
        {{ days_between('deals.created_at', 'accounts.as_of') }} as days_open,
        {{ days_between('coalesce(current_intervals.stage_entered_at, deals.created_at)', 'accounts.as_of') }}
            as days_in_current_stage,
        stage_medians.median_hours_in_stage
    from deals
    left join accounts
        on deals.account_key = accounts.account_key
    left join stages
        on
            deals.account_key = stages.account_key
            and deals.pipeline_id = stages.pipeline_id
            and deals.stage_id = stages.stage_id
    left join probabilities
        on
            deals.account_key = probabilities.account_key
            and deals.pipeline_id = probabilities.pipeline_id
            and deals.stage_id = probabilities.stage_id
    left join current_intervals
        on
            deals.account_key = current_intervals.account_key
            and deals.deal_id = current_intervals.deal_id
    left join stage_medians
        on
            deals.account_key = stage_medians.account_key
            and deals.pipeline_id = stage_medians.pipeline_id
            and deals.stage_id = stage_medians.stage_id

)

select
    account_key,
    deal_id,
    deal_name,
    pipeline_id,
    stage_id,
    stage_name,
    manager_id,
    cast(amount as {{ type_money() }}) as amount,
    stage_win_probability,
    cast(amount * stage_win_probability as {{ type_money() }}) as weighted_amount,
    days_open,
    days_in_current_stage,
    case
        when median_hours_in_stage is not null
            then days_in_current_stage * 24 > 2 * median_hours_in_stage
        else days_in_current_stage > 30
    end as is_stalled
from scored
