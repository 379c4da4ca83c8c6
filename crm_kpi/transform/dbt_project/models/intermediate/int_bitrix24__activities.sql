{#
    Bitrix24 sales activities in the canonical shape of int_activities (which resolves the
    manager from `acting_user_id` / `fallback_user_id` against the portal's users):
    - calls: one call per telephony record (voximplant.statistic.get), enriched by its CRM call
      activity (crm.activity TYPE_ID 2, joined on CRM_ACTIVITY_ID) when one exists: deal and
      contact from the activity. Answered = CALL_FAILED_CODE 200, or no code and a duration > 0.
      The performer is the record's PORTAL_USER_ID (else the activity's RESPONSIBLE_ID).
      A record without an activity still counts (contact / company from CRM_ENTITY_TYPE and
      CRM_ENTITY_ID). A call activity without a record counts once, with direction and
      duration (END_TIME - START_TIME) from the activity, answered only when that duration is
      above 0, never `no_answer` by default (outcome NULL, or `missed` when inbound).
    - e-mails: TYPE_ID 4, direction from DIRECTION;
    - meetings: TYPE_ID 1, occurring at the scheduled start START_TIME, which the docs also
      give as its DEADLINE ("DEADLINE is derived from START_TIME for calls and meetings",
      crm.activity fields, apidocs.bitrix24.com), never at END_TIME: a meeting spanning
      midnight, two days or a month end counts (meetings_held) on the day it starts. As a task
      it is due at the end of its slot (END_TIME), so a meeting marked done when it ends is
      on time; completion time = LAST_UPDATED of a completed meeting;
    - tasks: tasks.task.list (closedDate, deadline, ufCrmTask D_ / C_ binding);
    - notes: timeline comments (AUTHOR_ID).
#}
with bitrix24_activity_rows as (

    select
        activity_rows.*,
        case when activity_rows.owner_type = 'deal' then activity_rows.owner_id end as deal_id,
        case when activity_rows.owner_type = 'contact' then activity_rows.owner_id end as contact_id,
        case when activity_rows.owner_type = 'company' then activity_rows.owner_id end as company_id
    from {{ ref('stg_bitrix24__activities') }} as activity_rows

),

bitrix24_call_activities as (

    select * from bitrix24_activity_rows
    where type_id = 2

),

{# record_rank: should two records name one activity, only the first takes its id. #}
telephony_records as (

    select
        call_rows.*,
        row_number() over (
            partition by call_rows.account_key, call_rows.activity_id
            order by call_rows.started_at, call_rows.call_id
        ) as record_rank,
        (
            coalesce(call_rows.call_failed_code = '200', false)
            or (call_rows.call_failed_code is null and coalesce(call_rows.duration_seconds, 0) > 0)
        ) as is_answered
    from {{ ref('stg_bitrix24__calls') }} as call_rows

),

recorded_calls as (

    select
        records.account_key,
        case
            when call_activities.activity_id is not null and records.record_rank = 1
                then 'call_activity:' || call_activities.activity_id
            else 'call_record:' || records.call_id
        end as activity_id,
        'call' as activity_type,
        coalesce(records.direction, call_activities.direction) as direction,
        records.user_id as acting_user_id,
        call_activities.responsible_user_id as fallback_user_id,
        coalesce(records.started_at, call_activities.start_at) as occurred_at,
        coalesce(call_activities.created_at, records.started_at) as created_at,
        call_activities.deal_id,
        coalesce(call_activities.contact_id, records.contact_id) as contact_id,
        coalesce(call_activities.company_id, records.company_id) as company_id,
        records.duration_seconds,
        records.is_answered,
        case
            when records.is_answered then 'answered'
            when coalesce(records.direction, call_activities.direction) = 'inbound' then 'missed'
            when records.call_failed_code = '486' then 'busy'
            when records.call_failed_code in ('403', '404', '484', '503', '402', '423') then 'failed'
            when records.call_failed_code = '480' then 'not_available'
            else 'no_answer'
        end as outcome,
        records.call_failed_code as outcome_code,
        cast(null as {{ dbt.type_boolean() }}) as is_completed,
        cast(null as {{ dbt.type_timestamp() }}) as due_at,
        cast(null as {{ dbt.type_timestamp() }}) as completed_at,
        false as is_task,
        'telephony_record' as source_record_type,
        records.call_id as source_record_id,
        greatest(records.dlt_load_id, call_activities.dlt_load_id) as dlt_load_id
    from telephony_records as records
    left join bitrix24_call_activities as call_activities
        on
            records.account_key = call_activities.account_key
            and records.activity_id = call_activities.activity_id

),

recorded_activity_ids as (

    select distinct
        account_key,
        activity_id
    from telephony_records
    where activity_id is not null

),

unrecorded_call_activities as (

    select
        call_activities.*,
        case
            when call_activities.end_at >= call_activities.start_at
                then cast(
                        {{ seconds_between('call_activities.start_at', 'call_activities.end_at') }}
                        as {{ dbt.type_bigint() }}
                    )
        end as activity_duration_seconds
    from bitrix24_call_activities as call_activities
    left join recorded_activity_ids
        on
            call_activities.account_key = recorded_activity_ids.account_key
            and call_activities.activity_id = recorded_activity_ids.activity_id
    where recorded_activity_ids.activity_id is null

),

unrecorded_calls as (

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
        activity_duration_seconds as duration_seconds,
        coalesce(activity_duration_seconds > 0, false) as is_answered,
        case
            when activity_duration_seconds > 0 then 'answered'
            when direction = 'inbound' then 'missed'
        end as outcome,
        cast(null as {{ dbt.type_string() }}) as outcome_code,
        cast(null as {{ dbt.type_boolean() }}) as is_completed,
        cast(null as {{ dbt.type_timestamp() }}) as due_at,
        cast(null as {{ dbt.type_timestamp() }}) as completed_at,
        false as is_task,
        'activity' as source_record_type,
        activity_id as source_record_id,
        dlt_load_id
    from unrecorded_call_activities

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
        activity_id as source_record_id,
        dlt_load_id
    from bitrix24_activity_rows
    where type_id = 4

),

bitrix24_meetings as (

    select
        account_key,
        'meeting_activity:' || activity_id as activity_id,
        'meeting' as activity_type,
        cast(null as {{ dbt.type_string() }}) as direction,
        responsible_user_id as acting_user_id,
        cast(null as {{ dbt.type_string() }}) as fallback_user_id,
        coalesce(start_at, deadline_at) as occurred_at,
        created_at,
        deal_id,
        contact_id,
        company_id,
        cast(null as {{ dbt.type_bigint() }}) as duration_seconds,
        cast(null as {{ dbt.type_boolean() }}) as is_answered,
        cast(null as {{ dbt.type_string() }}) as outcome,
        cast(null as {{ dbt.type_string() }}) as outcome_code,
        is_completed,
        coalesce(end_at, start_at, deadline_at) as due_at,
        case when is_completed then updated_at end as completed_at,
        true as is_task,
        'activity' as source_record_type,
        activity_id as source_record_id,
        dlt_load_id
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
        task_id as source_record_id,
        dlt_load_id
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
        comment_id as source_record_id,
        dlt_load_id
    from {{ ref('stg_bitrix24__timeline_comments') }}

)

select * from recorded_calls
union all
select * from unrecorded_calls
union all
select * from bitrix24_emails
union all
select * from bitrix24_meetings
union all
select * from bitrix24_tasks
union all
select * from bitrix24_notes
