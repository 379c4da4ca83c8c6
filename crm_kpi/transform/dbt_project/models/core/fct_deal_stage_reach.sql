-- sqlfluff:indentation:template_blocks_indent:False
{#
    Funnel reach: one row per (deal, open stage of a pipeline) that the deal reached. A deal
    reached open stage S of pipeline P when the highest stage_sort it ever entered among P's
    open stages is at least S's, or when it is won now in P (a deal won now counts as past
    every open stage). A deal won once and then reopened or lost counts by the open stages it
    entered; lost stages do not count; a skipped stage counts as reached.

    Incremental (issue #11): an incremental build recomputes the `deals_to_rebuild()` (their
    marker `dlt_load_id` from `fct_deals` moves with the deal and its stage history) and
    replaces their rows. A rebuilt deal that now reaches no stage has no row to replace its old
    ones: it gets a placeholder row (stage_id NULL), so that delete+insert removes them, and the
    post-hook deletes the placeholder. A change of a pipeline's stages (a stage added or
    re-sorted) needs a full refresh, as for every model built from the stage dimension.
#}
{{ config(
    materialized='incremental',
    unique_key=['account_key', 'deal_id'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    post_hook="delete from {{ this }} where stage_id is null",
) }}

-- depends_on: {{ ref('int_deals') }}
with
{%- if is_incremental() %}
deals_to_rebuild as (

    {{ deals_to_rebuild(ref('fct_deals'), 'is_deleted') }}

),
{%- endif %}

deals as (

    select deal_rows.*
    from {{ ref('fct_deals') }} as deal_rows
    {{- and_deal_to_rebuild('deal_rows', keyword='where') }}

),

status_history as (

    select history_rows.*
    from {{ ref('int_deal_status_history') }} as history_rows
    {{- and_deal_to_rebuild('history_rows', keyword='where') }}

),

stages as (

    select * from {{ ref('dim_pipeline_stages') }}

),

entered_stages as (

    select
        status_history.account_key,
        status_history.deal_id,
        status_history.pipeline_id,
        stages.stage_type,
        stages.stage_sort
    from status_history
    inner join stages
        on
            status_history.account_key = stages.account_key
            and status_history.pipeline_id = stages.pipeline_id
            and status_history.stage_id = stages.stage_id

),

deal_pipeline_progress as (

    select
        account_key,
        deal_id,
        pipeline_id,
        max(case when stage_type = 'open' then stage_sort end) as highest_open_stage_sort
    from entered_stages
    group by account_key, deal_id, pipeline_id

),

deal_pipeline_reach as (

    select
        progress.account_key,
        progress.deal_id,
        progress.pipeline_id,
        progress.highest_open_stage_sort,
        coalesce(deals.status = 'won' and deals.pipeline_id = progress.pipeline_id, false)
            as is_won_in_pipeline
    from deal_pipeline_progress as progress
    inner join deals
        on
            progress.account_key = deals.account_key
            and progress.deal_id = deals.deal_id

),

reached as (

    select
        progress.account_key,
        progress.deal_id,
        progress.pipeline_id,
        stages.stage_id,
        stages.stage_sort,
        progress.highest_open_stage_sort,
        progress.is_won_in_pipeline
    from deal_pipeline_reach as progress
    inner join stages
        on
            progress.account_key = stages.account_key
            and progress.pipeline_id = stages.pipeline_id
            and stages.stage_type = 'open'
            and (
                progress.is_won_in_pipeline
                or progress.highest_open_stage_sort >= stages.stage_sort
            )

),

reach_rows as (

    select
        reached.account_key,
        reached.deal_id,
        reached.pipeline_id,
        reached.stage_id,
        reached.stage_sort,
        deals.created_date,
        {{ period_start('month', 'deals.created_date') }} as cohort_month,
        deals.status,
        deals.closed_at,
        deals.closed_date,
        case when deals.pipeline_id = reached.pipeline_id then deals.status else 'moved' end as outcome_in_pipeline,
        reached.is_won_in_pipeline,
        not reached.is_won_in_pipeline
        and reached.stage_sort = reached.highest_open_stage_sort as is_furthest_stage,
        deals.is_deleted,
        deals.dlt_load_id,
        {{ this_invocation() }} as dbt_invocation_id
    from reached
    inner join deals
        on
            reached.account_key = deals.account_key
            and reached.deal_id = deals.deal_id

)

select * from reach_rows
{%- if is_incremental() %}

union all

{# A rebuilt deal without any reached stage: its placeholder (see above). #}
select
    deals_to_rebuild.account_key,
    deals_to_rebuild.deal_id,
    null as pipeline_id,
    null as stage_id,
    null as stage_sort,
    null as created_date,
    null as cohort_month,
    null as status,
    null as closed_at,
    null as closed_date,
    null as outcome_in_pipeline,
    null as is_won_in_pipeline,
    null as is_furthest_stage,
    null as is_deleted,
    null as dlt_load_id,
    {{ this_invocation() }} as dbt_invocation_id
from deals_to_rebuild
where not exists (
        select 1
        from reach_rows
        where
            reach_rows.account_key = deals_to_rebuild.account_key
            and reach_rows.deal_id = deals_to_rebuild.deal_id
    )
{%- endif %}
