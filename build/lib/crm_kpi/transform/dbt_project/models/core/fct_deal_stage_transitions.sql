with transitions as (

    select * from {{ ref('int_stage_transitions') }}

),

responsible_history as (

    select * from {{ ref('int_deal_responsible_history') }}

),

deals as (

    select
        account_key,
        deal_id,
        manager_id,
        is_deleted
    from {{ ref('int_deals') }}

),

accounts as (

    select
        account_key,
        timezone
    from {{ ref('int_accounts') }}

)

select
    transitions.account_key,
    transitions.deal_id,
    transitions.transition_seq,
    transitions.transition_id,
    transitions.from_pipeline_id,
    transitions.from_stage_id,
    transitions.from_status,
    transitions.to_pipeline_id,
    transitions.to_stage_id,
    transitions.to_status,
    transitions.changed_at,
    {{ to_local_date('transitions.changed_at', 'accounts.timezone') }} as changed_date,
    coalesce(responsible_history.manager_id, deals.manager_id) as manager_id,
    transitions.changed_by_user_id,
    transitions.from_stage_entered_at,
    {{ hours_between('transitions.from_stage_entered_at', 'transitions.changed_at') }} as hours_in_from_stage,
    coalesce(deals.is_deleted, false) as is_deal_deleted
from transitions
left join accounts
    on transitions.account_key = accounts.account_key
left join deals
    on
        transitions.account_key = deals.account_key
        and transitions.deal_id = deals.deal_id
left join responsible_history
    on
        transitions.account_key = responsible_history.account_key
        and transitions.deal_id = responsible_history.deal_id
        and (
            responsible_history.valid_from is null
            or transitions.changed_at >= responsible_history.valid_from
        )
        and (
            responsible_history.valid_to is null
            or transitions.changed_at < responsible_history.valid_to
        )
