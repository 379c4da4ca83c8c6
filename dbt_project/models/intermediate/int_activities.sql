{#
    One row per sales activity in the canonical cross-CRM shape: calls, e-mails, manual notes,
    tasks, meetings and chat messages. amoCRM sources:
    - calls: `call_in` / `call_out` notes of leads and contacts (duration and status live in
      the note); answered = call_status 4, or no status and a duration > 0;
    - e-mails: `amomail_message` notes, direction from `params.income`;
    - notes: manual notes (note types in the var `amocrm_manual_note_types`, default `common`);
    - tasks of every type; a task whose type is MEETING (type 2) is a `meeting`; completion
      time from the last `task_completed` event, falling back to the task's `updated_at` when a
      completed task has no such event;
    - chat messages: `incoming_chat_message` / `outgoing_chat_message` events.
    The manager is the user responsible for the activity record itself (the acting user for
    chat events; robots are NULL).
    Bitrix24 sources: calls are crm.activity TYPE_ID 2 joined to voximplant.statistic.get on
    CRM_ACTIVITY_ID (answered = CALL_FAILED_CODE 200, or no code and a duration > 0); e-mails
    TYPE_ID 4 (DIRECTION); meetings TYPE_ID 1 (occurred_at and due_at = END_TIME, completion
    time = LAST_UPDATED of a completed meeting); tasks from tasks.task.list (completion
    closedDate, deadline, binding D_/C_ of ufCrmTask); notes are timeline comments.
#}
with amocrm_notes as (

    select
        account_key,
        'lead' as linked_entity_type,
        note_id,
        lead_id as deal_id,
        cast(null as {{ dbt.type_string() }}) as contact_id,
        note_type,
        responsible_user_id,
        created_at,
        call_duration_seconds,
        call_status,
        email_is_incoming
    from {{ ref('stg_amocrm__lead_notes') }}

    union all

    select
        account_key,
        'contact' as linked_entity_type,
        note_id,
        cast(null as {{ dbt.type_string() }}) as deal_id,
        contact_id,
        note_type,
        responsible_user_id,
        created_at,
        call_duration_seconds,
        call_status,
        email_is_incoming
    from {{ ref('stg_amocrm__contact_notes') }}

),

amocrm_call_notes as (

    select
        amocrm_notes.*,
        case when amocrm_notes.note_type = 'call_in' then 'inbound' else 'outbound' end as direction,
        (
            coalesce(call_status = 4, false)
            or (amocrm_notes.call_status is null and coalesce(amocrm_notes.call_duration_seconds, 0) > 0)
        ) as is_answered
    from amocrm_notes
    where amocrm_notes.note_type in ('call_in', 'call_out')

),

amocrm_calls as (

    select
        account_key,
        'call_note:' || linked_entity_type || ':' || note_id as activity_id,
        'call' as activity_type,
        direction,
        responsible_user_id as manager_id,
        created_at as occurred_at,
        created_at,
        deal_id,
        contact_id,
        cast(null as {{ dbt.type_string() }}) as company_id,
        call_duration_seconds as duration_seconds,
        is_answered,
        case
            when is_answered then 'answered'
            when direction = 'inbound' then 'missed'
            when call_status = 7 then 'busy'
            when call_status = 5 then 'failed'
            when call_status = 1 then 'voicemail'
            when call_status = 2 then 'call_back_later'
            when call_status = 3 then 'not_available'
            when call_status = 8 then 'unknown'
            else 'no_answer'
        end as outcome,
        cast(call_status as {{ dbt.type_string() }}) as outcome_code,
        cast(null as {{ dbt.type_boolean() }}) as is_completed,
        cast(null as {{ dbt.type_timestamp() }}) as due_at,
        cast(null as {{ dbt.type_timestamp() }}) as completed_at,
        false as is_task,
        linked_entity_type || '_note' as source_record_type,
        note_id as source_record_id
    from amocrm_call_notes

),

amocrm_emails as (

    select
        account_key,
        'email_note:' || linked_entity_type || ':' || note_id as activity_id,
        'email' as activity_type,
        case
            when email_is_incoming then 'inbound'
            when not email_is_incoming then 'outbound'
        end as direction,
        responsible_user_id as manager_id,
        created_at as occurred_at,
        created_at,
        deal_id,
        contact_id,
        cast(null as {{ dbt.type_string() }}) as company_id,
        cast(null as {{ dbt.type_bigint() }}) as duration_seconds,
        cast(null as {{ dbt.type_boolean() }}) as is_answered,
        cast(null as {{ dbt.type_string() }}) as outcome,
        cast(null as {{ dbt.type_string() }}) as outcome_code,
        cast(null as {{ dbt.type_boolean() }}) as is_completed,
        cast(null as {{ dbt.type_timestamp() }}) as due_at,
        cast(null as {{ dbt.type_timestamp() }}) as completed_at,
        false as is_task,
        linked_entity_type || '_note' as source_record_type,
        note_id as source_record_id
    from amocrm_notes
    where note_type = 'amomail_message'

),

amocrm_manual_notes as (

    select
        account_key,
        'note:' || linked_entity_type || ':' || note_id as activity_id,
        'note' as activity_type,
        cast(null as {{ dbt.type_string() }}) as direction,
        responsible_user_id as manager_id,
        created_at as occurred_at,
        created_at,
        deal_id,
        contact_id,
        cast(null as {{ dbt.type_string() }}) as company_id,
        cast(null as {{ dbt.type_bigint() }}) as duration_seconds,
        cast(null as {{ dbt.type_boolean() }}) as is_answered,
        cast(null as {{ dbt.type_string() }}) as outcome,
        cast(null as {{ dbt.type_string() }}) as outcome_code,
        cast(null as {{ dbt.type_boolean() }}) as is_completed,
        cast(null as {{ dbt.type_timestamp() }}) as due_at,
        cast(null as {{ dbt.type_timestamp() }}) as completed_at,
        false as is_task,
        linked_entity_type || '_note' as source_record_type,
        note_id as source_record_id
    from amocrm_notes
    where note_type in ({{ quoted_list(var('amocrm_manual_note_types')) }})

),

amocrm_task_completions as (

    select
        account_key,
        entity_id as task_id,
        max(created_at) as completed_event_at
    from {{ ref('stg_amocrm__events') }}
    where event_type = 'task_completed' and entity_type = 'task'
    group by account_key, entity_id

),

amocrm_task_types as (

    select * from {{ ref('stg_amocrm__task_types') }}

),

amocrm_task_rows as (

    select
        task_rows.account_key,
        task_rows.task_id,
        task_rows.entity_type,
        task_rows.entity_id,
        task_rows.responsible_user_id,
        task_rows.created_at,
        task_rows.due_at,
        task_rows.is_completed,
        case
            when task_rows.is_completed
                then coalesce(completions.completed_event_at, task_rows.updated_at)
        end as completed_at,
        coalesce(
            task_types.task_type_code,
            case task_rows.task_type_id when '1' then 'FOLLOW_UP' when '2' then 'MEETING' end
        ) = 'MEETING' as is_meeting
    from {{ ref('stg_amocrm__tasks') }} as task_rows
    left join amocrm_task_types as task_types
        on
            task_rows.account_key = task_types.account_key
            and task_rows.task_type_id = task_types.task_type_id
    left join amocrm_task_completions as completions
        on
            task_rows.account_key = completions.account_key
            and task_rows.task_id = completions.task_id

),

amocrm_tasks as (

    select
        account_key,
        'task:' || task_id as activity_id,
        case when is_meeting then 'meeting' else 'task' end as activity_type,
        cast(null as {{ dbt.type_string() }}) as direction,
        responsible_user_id as manager_id,
        case when is_meeting then due_at else created_at end as occurred_at,
        created_at,
        case when entity_type = 'leads' then entity_id end as deal_id,
        case when entity_type = 'contacts' then entity_id end as contact_id,
        case when entity_type = 'companies' then entity_id end as company_id,
        cast(null as {{ dbt.type_bigint() }}) as duration_seconds,
        cast(null as {{ dbt.type_boolean() }}) as is_answered,
        cast(null as {{ dbt.type_string() }}) as outcome,
        cast(null as {{ dbt.type_string() }}) as outcome_code,
        is_completed,
        due_at,
        completed_at,
        true as is_task,
        'task' as source_record_type,
        task_id as source_record_id
    from amocrm_task_rows

),

amocrm_chat_messages as (

    select
        account_key,
        'chat_event:' || event_id as activity_id,
        'chat_message' as activity_type,
        case when event_type = 'incoming_chat_message' then 'inbound' else 'outbound' end as direction,
        created_by_user_id as manager_id,
        created_at as occurred_at,
        created_at,
        case when entity_type = 'lead' then entity_id end as deal_id,
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
        'event' as source_record_type,
        event_id as source_record_id
    from {{ ref('stg_amocrm__events') }}
    where event_type in ('incoming_chat_message', 'outgoing_chat_message')

),

bitrix24_activity_rows as (

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
        responsible_user_id as manager_id,
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
        responsible_user_id as manager_id,
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
        responsible_user_id as manager_id,
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
        responsible_user_id as manager_id,
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
        author_user_id as manager_id,
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

),

activities as (

    select * from amocrm_calls
    union all
    select * from amocrm_emails
    union all
    select * from amocrm_manual_notes
    union all
    select * from amocrm_tasks
    union all
    select * from amocrm_chat_messages
    union all
    select * from bitrix24_calls
    union all
    select * from bitrix24_emails
    union all
    select * from bitrix24_meetings
    union all
    select * from bitrix24_tasks
    union all
    select * from bitrix24_notes

)

select * from activities
