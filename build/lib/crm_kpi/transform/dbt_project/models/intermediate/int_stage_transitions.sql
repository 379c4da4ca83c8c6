{#
    One row per stage change of a deal (amoCRM: `lead_status_changed` events; Bitrix24: every
    crm.stagehistory.list row after a deal's first, the "from" stage being the previous row),
    numbered in time
    order per deal. `from_stage_entered_at` is the previous change, or the deal's creation for
    the first change.
#}
with amocrm_status_events as (

    select
        account_key,
        entity_id as deal_id,
        event_id as transition_id,
        created_at as changed_at,
        created_by_user_id as changed_by_user_id,
        pipeline_before_id as from_pipeline_id,
        status_before_id as from_stage_id,
        status_before_type as from_status,
        pipeline_after_id as to_pipeline_id,
        status_after_id as to_stage_id,
        status_after_type as to_status
    from {{ ref('stg_amocrm__events') }}
    where event_type = 'lead_status_changed' and entity_type = 'lead'

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
    from {{ ref('stg_bitrix24__deal_stage_history') }}

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
    from {{ ref('stg_amocrm__leads') }}

    union all

    select
        account_key,
        deal_id,
        created_at as deal_created_at
    from {{ ref('stg_bitrix24__deals') }}

),

sequenced as (

    select
        status_events.account_key,
        status_events.deal_id,
        status_events.transition_id,
        row_number() over (
            partition by status_events.account_key, status_events.deal_id
            order by status_events.changed_at, status_events.transition_id
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
                order by status_events.changed_at, status_events.transition_id
            ),
            deal_creations.deal_created_at
        ) as from_stage_entered_at
    from status_events
    left join deal_creations
        on
            status_events.account_key = deal_creations.account_key
            and status_events.deal_id = deal_creations.deal_id

)

select * from sequenced
