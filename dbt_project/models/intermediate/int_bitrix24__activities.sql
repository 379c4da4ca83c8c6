{#
    Bitrix24 sales activities in the canonical shape of int_activities (which resolves the
    manager from `acting_user_id` / `fallback_user_id` against the portal's users).
#}
with bitrix24_activity_rows as (

    select
        activity_rows.*,
        case when activity_rows.owner_type = 'deal' then activity_rows.owner_id end as deal_id,
        case when activity_rows.owner_type = 'contact' then activity_rows.owner_id end as contact_id,
        case when activity_rows.owner_type = 'company' then activity_rows.owner_id end as company_id
    from {{ ref('stg_bitrix24__activities') }} as activity_rows

),

bitrix24_call_rows as (

    select
        activity_rows.*,
        call_rows.duration_seconds,
        call_rows.call_failed_code,
        (
            coalesce(call_rows.call_failed_code = '200', false)
            or (call_rows.call_failed_code is null and coalesce(call_rows.duration_seconds, 0) > 0)
        ) as is_answered
    from bitrix24_activity_rows as activity_rows
    left join {{ ref('stg_bitrix24__calls') }} as call_rows
        on
            activity_rows.account_key = call_rows.account_key
            and activity_rows.activity_id = call_rows.activity_id
    where activity_rows.type_id = 2

),

bitrix24_calls as (

    select
        account_key,
        'call_activity:' || activity_id as activity_id,
        'call' as activity_type,
        direction,
        responsible_user_id as acting_user_id,
        cast(null as {{ dbt.type_string() }}) as fallback_user_id,
        start_at as occurred_at,
        created_at,
        deal_id,
        contact_id,
        company_id,
        duration_seconds,
        is_answered,
        case
            when is_answered then 'answered'
            when direction = 'inbound' then 'missed'
            when call_failed_code = '486' then 'busy'
            when call_failed_code in ('403', '404', '484', '503', '402', '423') then 'failed'
            when call_failed_code = '480' then 'not_available'
            else 'no_answer'
        end as outcome,
        call_failed_code as outcome_code,
        cast(null as {{ dbt.type_boolean() }}) as is_completed,
        cast(null as {{ dbt.type_timestamp() }}) as due_at,
        cast(null as {{ dbt.type_timestamp() }}) as completed_at,
        false as is_task,
        'activity' as source_record_type,
        activity_id as source_record_id
    from bitrix24_call_rows

),

bitrix24_emails as (

    select
        account_key,
        'email_activity:' || activity_id as activity_id,
        'email' as activity_type,
        direction,
        responsible_user_id as acting_user_id,
        cast(null as {{ dbt.type_string() }}) as fallback_user_id,
        start_at as occurred_at,
        created_at,
        deal_id,
        contact_id,
        company_id,
        cast(null as {{ dbt.type_bigint() }}) as duration_seconds,
        cast(null as {{ dbt.type_boolean() }}) as is_answered,
        cast(null as {{ dbt.type_string() }}) as outcome,
        cast(null as {{ dbt.type_string() }}) as outcome_code,
        cast(null as {{ dbt.type_boolean() }}) as is_completed,
        cast(null as {{ dbt.type_timestamp() }}) as due_at,
        cast(null as {{ dbt.type_timestamp() }}) as completed_at,
        false as is_task,
        'activity' as source_record_type,
        activity_id as source_record_id
    from bitrix24_activity_rows
    where type_id = 4

),

{# Meetings: the slot's end is the scheduled time, as amoCRM's meeting-task deadline. #}
bitrix24_meetings as (

    select
        account_key,
        'meeting_activity:' || activity_id as activity_id,
        'meeting' as activity_type,
        cast(null as {{ dbt.type_string() }}) as direction,
        responsible_user_id as acting_user_id,
        cast(null as {{ dbt.type_string() }}) as fallback_user_id,
        end_at as occurred_at,
        created_at,
        deal_id,
        contact_id,
        company_id,
        cast(null as {{ dbt.type_bigint() }}) as duration_seconds,
        cast(null as {{ dbt.type_boolean() }}) as is_answered,
        cast(null as {{ dbt.type_string() }}) as outcome,
        cast(null as {{ dbt.type_string() }}) as outcome_code,
        is_completed,
        end_at as due_at,
        case when is_completed then updated_at end as completed_at,
        true as is_task,
        'activity' as source_record_type,
        activity_id as source_record_id
    from bitrix24_activity_rows
    where type_id = 1

),

bitrix24_tasks as (

    select
        account_key,
        'task:' || task_id as activity_id,
        'task' as activity_type,
        cast(null as {{ dbt.type_string() }}) as direction,
        responsible_user_id as acting_user_id,
        cast(null as {{ dbt.type_string() }}) as fallback_user_id,
        created_at as occurred_at,
        created_at,
        deal_id,
        contact_id,
        cast(null as {{ dbt.type_string() }}) as company_id,
        cast(null as {{ dbt.type_bigint() }}) as duration_seconds,
        cast(null as {{ dbt.type_boolean() }}) as is_answered,
        cast(null as {{ dbt.type_string() }}) as outcome,
        cast(null as {{ dbt.type_string() }}) as outcome_code,
        is_completed,
        deadline_at as due_at,
        case when is_completed then coalesce(closed_at, updated_at) end as completed_at,
        true as is_task,
        'task' as source_record_type,
        task_id as source_record_id
    from {{ ref('stg_bitrix24__tasks') }}

),

bitrix24_notes as (

    select
        account_key,
        'comment:' || comment_id as activity_id,
        'note' as activity_type,
        cast(null as {{ dbt.type_string() }}) as direction,
        author_user_id as acting_user_id,
        cast(null as {{ dbt.type_string() }}) as fallback_user_id,
        created_at as occurred_at,
        created_at,
        case when entity_type = 'deal' then entity_id end as deal_id,
        case when entity_type = 'contact' then entity_id end as contact_id,
        case when entity_type = 'company' then entity_id end as company_id,
        cast(null as {{ dbt.type_bigint() }}) as duration_seconds,
        cast(null as {{ dbt.type_boolean() }}) as is_answered,
        cast(null as {{ dbt.type_string() }}) as outcome,
        cast(null as {{ dbt.type_string() }}) as outcome_code,
        cast(null as {{ dbt.type_boolean() }}) as is_completed,
        cast(null as {{ dbt.type_timestamp() }}) as due_at,
        cast(null as {{ dbt.type_timestamp() }}) as completed_at,
        false as is_task,
        'timeline_comment' as source_record_type,
        comment_id as source_record_id
    from {{ ref('stg_bitrix24__timeline_comments') }}

)

select * from bitrix24_calls
union all
select * from bitrix24_emails
union all
select * from bitrix24_meetings
union all
select * from bitrix24_tasks
union all
select * from bitrix24_notes
