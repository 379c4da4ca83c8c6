-- sqlfluff:indentation:template_blocks_indent:False
{#
    One row per stage change of a deal (amoCRM: `lead_status_changed` events; Bitrix24: every
    crm.stagehistory.list row after a deal's first, the "from" stage being the previous row),
    numbered in time
    order per deal. `from_stage_entered_at` is the previous change, or the deal's creation for
    the first change. `dlt_load_id`: the deal's change marker (`int_deal_changes`).
    Incremental (issue #11): a deal's changes are renumbered together, so an incremental build
    recomputes every change of the `deals_to_rebuild()` and replaces the deal's rows.
#}
{{ config(
    materialized='incremental',
    unique_key=['account_key', 'deal_id'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with
{%- if is_incremental() %}
deals_to_rebuild as (

    {{ deals_to_rebuild(ref('int_deal_changes')) }}

),
{%- endif %}

amocrm_status_events as (

    select
        events.account_key,
        events.entity_id as deal_id,
        events.event_id as transition_id,
        events.created_at as changed_at,
        events.created_by_user_id as changed_by_user_id,
        events.pipeline_before_id as from_pipeline_id,
        events.status_before_id as from_stage_id,
        events.status_before_type as from_status,
        events.pipeline_after_id as to_pipeline_id,
        events.status_after_id as to_stage_id,
        events.status_after_type as to_status
    from {{ ref('stg_amocrm__events') }} as events
    where
        events.event_type = 'lead_status_changed'
        and events.entity_type = 'lead'
        {{- and_deal_to_rebuild('events', 'entity_id') }}

),

bitrix24_history as (

    select
        account_key,
        deal_id,
        history_id,
        created_at,
        pipeline_id,
        stage_id,
        status_type,
        lag(pipeline_id) over (
            partition by account_key, deal_id order by created_at, cast(history_id as {{ dbt.type_bigint() }})
        ) as previous_pipeline_id,
        lag(stage_id) over (
            partition by account_key, deal_id order by created_at, cast(history_id as {{ dbt.type_bigint() }})
        ) as previous_stage_id,
        lag(status_type) over (
            partition by account_key, deal_id order by created_at, cast(history_id as {{ dbt.type_bigint() }})
        ) as previous_status
    from {{ ref('stg_bitrix24__deal_stage_history') }} as history_rows
    {{- and_deal_to_rebuild('history_rows', keyword='where') }}

),

bitrix24_status_events as (

    select
        account_key,
        deal_id,
        history_id as transition_id,
        created_at as changed_at,
        cast(null as {{ dbt.type_string() }}) as changed_by_user_id,
        previous_pipeline_id as from_pipeline_id,
        previous_stage_id as from_stage_id,
        previous_status as from_status,
        pipeline_id as to_pipeline_id,
        stage_id as to_stage_id,
        status_type as to_status
    from bitrix24_history
    where previous_stage_id is not null

),

status_events as (

    select * from amocrm_status_events
    union all
    select * from bitrix24_status_events

),

deal_creations as (

    select
        account_key,
        lead_id as deal_id,
        created_at as deal_created_at
    from {{ ref('stg_amocrm__leads') }} as lead_rows
    {{- and_deal_to_rebuild('lead_rows', 'lead_id', keyword='where') }}

    union all

    select
        account_key,
        deal_id,
        created_at as deal_created_at
    from {{ ref('stg_bitrix24__deals') }} as deal_rows
    {{- and_deal_to_rebuild('deal_rows', keyword='where') }}

),

sequenced as (

    select
        status_events.account_key,
        status_events.deal_id,
        status_events.transition_id,
        {#- Ties in time go by id, numerically for numeric ids (Bitrix24: '942' before
            '900000000942', as bitrix24_history orders them); by text for text ids of one length. #}
        row_number() over (
            partition by status_events.account_key, status_events.deal_id
            order by status_events.changed_at, length(status_events.transition_id), status_events.transition_id
        ) as transition_seq,
        status_events.changed_at,
        status_events.changed_by_user_id,
        status_events.from_pipeline_id,
        status_events.from_stage_id,
        status_events.from_status,
        status_events.to_pipeline_id,
        status_events.to_stage_id,
        status_events.to_status,
        coalesce(
            lag(status_events.changed_at) over (
                partition by status_events.account_key, status_events.deal_id
                order by status_events.changed_at, length(status_events.transition_id), status_events.transition_id
            ),
            deal_creations.deal_created_at
        ) as from_stage_entered_at,
        changes.dlt_load_id
    from status_events
    left join deal_creations
        on
            status_events.account_key = deal_creations.account_key
            and status_events.deal_id = deal_creations.deal_id
    left join {{ ref('int_deal_changes') }} as changes
        on
            status_events.account_key = changes.account_key
            and status_events.deal_id = changes.deal_id

)

select
    *,
    {{ this_invocation() }} as dbt_invocation_id
from sequenced
