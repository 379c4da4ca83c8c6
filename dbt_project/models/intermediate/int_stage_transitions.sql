{#
    One row per stage change of a deal (amoCRM: `lead_status_changed` events), numbered in time
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

amocrm_leads as (

    select
        account_key,
        lead_id as deal_id,
        created_at as deal_created_at
    from {{ ref('stg_amocrm__leads') }}

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
            amocrm_leads.deal_created_at
        ) as from_stage_entered_at
    from amocrm_status_events as status_events
    left join amocrm_leads
        on
            status_events.account_key = amocrm_leads.account_key
            and status_events.deal_id = amocrm_leads.deal_id

)

select * from sequenced
