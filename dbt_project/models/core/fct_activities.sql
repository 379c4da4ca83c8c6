with activities as (

    select * from {{ ref('int_activities') }}

),

accounts as (

    select * from {{ ref('int_accounts') }}

)

select
    activities.account_key,
    activities.activity_id,
    activities.activity_type,
    activities.direction,
    activities.manager_id,
    activities.occurred_at,
    {{ to_local_date('activities.occurred_at', 'accounts.timezone') }} as occurred_date,
    activities.created_at,
    {{ to_local_date('activities.created_at', 'accounts.timezone') }} as created_date,
    activities.deal_id,
    activities.contact_id,
    activities.company_id,
    activities.duration_seconds,
    activities.is_answered,
    activities.outcome,
    activities.outcome_code,
    activities.is_task,
    activities.is_completed,
    activities.due_at,
    {{ to_local_date('activities.due_at', 'accounts.timezone') }} as due_date,
    activities.completed_at,
    {{ to_local_date('activities.completed_at', 'accounts.timezone') }} as completed_date,
    case
        when activities.is_task
            then
                activities.completed_at is not null
                and (activities.due_at is null or activities.completed_at <= activities.due_at)
    end as is_completed_on_time,
    case
        when activities.is_task
            then
                activities.due_at is not null
                and activities.due_at <= accounts.as_of
                and (activities.completed_at is null or activities.completed_at > activities.due_at)
    end as is_overdue,
    activities.source_record_type,
    activities.source_record_id
from activities
left join accounts
    on activities.account_key = accounts.account_key
