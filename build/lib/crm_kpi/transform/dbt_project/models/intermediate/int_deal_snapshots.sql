{{ config(materialized="table") }}

{#
    Every deal open at a forecast cutoff (int_forecast_cutoffs), as it was then: pipeline and
    stage at the start of `known_before` (status history), age, time in stage, the stage win
    probability known then and the expected close date. The expected close date is the
    Bitrix24 CLOSEDATE of an open deal (horizon only: past values of CLOSEDATE are not kept),
    else created date + the median days to close of the deals won in the 12 months before the
    cutoff that reached the deal's stage (else of the pipeline's won deals), never earlier
    than the cutoff's as_of_date. NULL when no won deal is known yet.
#}
with cutoffs as (

    select
        account_key,
        known_before,
        as_of_date,
        is_horizon,
        {{ add_days(dbt.dateadd('month', -12, 'known_before'), 0) }} as window_start
    from {{ ref('int_forecast_cutoffs') }}

),

deals as (

    select * from {{ ref('fct_deals') }}
    where not is_deleted

),

open_intervals as (

    select
        cutoffs.account_key,
        cutoffs.known_before,
        cutoffs.as_of_date,
        cutoffs.is_horizon,
        cutoffs.window_start,
        history.deal_id,
        history.pipeline_id,
        history.stage_id,
        history.valid_from_date as stage_entered_date
    from {{ ref('int_deal_status_history') }} as history
    inner join cutoffs
        on
            history.account_key = cutoffs.account_key
            and history.valid_from_date < cutoffs.known_before
            and (history.valid_to_date >= cutoffs.known_before or history.valid_to_date is null)
    where history.status = 'open'

),

won_reach as (

    select
        cutoffs.account_key,
        cutoffs.known_before,
        reach.pipeline_id,
        reach.stage_id,
        deals.days_to_close
    from {{ ref('fct_deal_stage_reach') }} as reach
    inner join deals
        on
            reach.account_key = deals.account_key
            and reach.deal_id = deals.deal_id
    inner join cutoffs
        on
            reach.account_key = cutoffs.account_key
            and reach.closed_date < cutoffs.known_before
            and reach.closed_date >= cutoffs.window_start
    where reach.outcome_in_pipeline = 'won' and not reach.is_deleted

),

stage_medians as (

    select
        account_key,
        known_before,
        pipeline_id,
        stage_id,
        {{ median('days_to_close') }} as median_days_to_close
    from won_reach
    group by account_key, known_before, pipeline_id, stage_id

),

pipeline_medians as (

    select
        cutoffs.account_key,
        cutoffs.known_before,
        deals.pipeline_id,
        {{ median('deals.days_to_close') }} as median_days_to_close
    from deals
    inner join cutoffs
        on
            deals.account_key = cutoffs.account_key
            and deals.closed_date < cutoffs.known_before
            and deals.closed_date >= cutoffs.window_start
    where deals.status = 'won'
    group by cutoffs.account_key, cutoffs.known_before, deals.pipeline_id

),

planned_close_dates as (

    select
        bitrix24_deals.account_key,
        bitrix24_deals.deal_id,
        {{ to_local_date('bitrix24_deals.close_date_at', 'account_rows.timezone') }} as planned_close_date
    from {{ ref('stg_bitrix24__deals') }} as bitrix24_deals
    inner join {{ ref('int_accounts') }} as account_rows
        on bitrix24_deals.account_key = account_rows.account_key
    where not coalesce(bitrix24_deals.is_closed, false) and bitrix24_deals.close_date_at is not null

),

snapshots as (

    select
        open_intervals.account_key,
        open_intervals.known_before,
        open_intervals.as_of_date,
        open_intervals.is_horizon,
        open_intervals.deal_id,
        open_intervals.pipeline_id,
        open_intervals.stage_id,
        deals.amount,
        deals.created_date,
        open_intervals.stage_entered_date,
        deals.status as final_status,
        deals.closed_date,
        probabilities.stage_win_probability,
        case when open_intervals.is_horizon then planned_close_dates.planned_close_date end as planned_close_date,
        case
            when stage_medians.median_days_to_close is not null
                then {{ add_days('deals.created_date', 'cast(round(stage_medians.median_days_to_close) as int)') }}
        end as stage_median_close_date,
        case
            when pipeline_medians.median_days_to_close is not null
                then {{ add_days('deals.created_date', 'cast(round(pipeline_medians.median_days_to_close) as int)') }}
        end as pipeline_median_close_date
    from open_intervals
    inner join deals
        on
            open_intervals.account_key = deals.account_key
            and open_intervals.deal_id = deals.deal_id
    left join {{ ref('int_stage_win_probabilities_as_of') }} as probabilities
        on
            open_intervals.account_key = probabilities.account_key
            and open_intervals.known_before = probabilities.known_before
            and open_intervals.pipeline_id = probabilities.pipeline_id
            and open_intervals.stage_id = probabilities.stage_id
    left join stage_medians
        on
            open_intervals.account_key = stage_medians.account_key
            and open_intervals.known_before = stage_medians.known_before
            and open_intervals.pipeline_id = stage_medians.pipeline_id
            and open_intervals.stage_id = stage_medians.stage_id
    left join pipeline_medians
        on
            open_intervals.account_key = pipeline_medians.account_key
            and open_intervals.known_before = pipeline_medians.known_before
            and open_intervals.pipeline_id = pipeline_medians.pipeline_id
    left join planned_close_dates
        on
            open_intervals.account_key = planned_close_dates.account_key
            and open_intervals.deal_id = planned_close_dates.deal_id

)

select
    account_key,
    known_before,
    as_of_date,
    is_horizon,
    deal_id,
    pipeline_id,
    stage_id,
    cast(amount as {{ type_money() }}) as amount,
    created_date,
    stage_entered_date,
    cast({{ dbt.datediff('created_date', 'known_before', 'day') }} as integer) as days_open,
    cast({{ dbt.datediff('stage_entered_date', 'known_before', 'day') }} as integer) as days_in_stage,
    final_status,
    closed_date,
    stage_win_probability,
    case
        when coalesce(planned_close_date, stage_median_close_date, pipeline_median_close_date) is null then null
        when coalesce(planned_close_date, stage_median_close_date, pipeline_median_close_date) < as_of_date
            then as_of_date
        else coalesce(planned_close_date, stage_median_close_date, pipeline_median_close_date)
    end as expected_close_date,
    case
        when planned_close_date is not null then 'planned_close_date'
        when stage_median_close_date is not null then 'stage_median'
        when pipeline_median_close_date is not null then 'pipeline_median'
    end as expected_close_basis
from snapshots
