-- sqlfluff:indentation:template_blocks_indent:False
{#
    amoCRM sales activities in the canonical shape of int_activities (which resolves the
    manager from `acting_user_id` / `fallback_user_id` against the account's users):
    - calls: `call_in` / `call_out` notes of leads and contacts (duration and status live in
      the note); answered = call_status 4, or no status and a duration > 0;
    - e-mails: `amomail_message` notes, direction from `params.income`;
    - notes: manual notes (note types in the var `amocrm_manual_note_types`, default `common`);
    - tasks of every type; a task whose type is MEETING (type 2) is a `meeting` dated by its
      scheduled start `complete_till`; completion time from the last `task_completed` event,
      falling back to the task's `updated_at` when a completed task has no such event;
    - chat messages: `incoming_chat_message` / `outgoing_chat_message` events.
    Who performed a note: its `created_by` (0 = robot / integration, NULL here), else its
    `responsible_user_id` (real call notes carry the caller in `created_by` and the lead's
    owner in `responsible_user_id`). Tasks: the assignee. Chat events: the acting user.
    Incremental (issue #11): a row depends only on its raw note, event or task row (and a
    task's completion events), so an incremental build recomputes the activities of loads
    newer than the table holds of their account (a task also when a newer completion event arrived) and
    replaces them on their key. A note whose type changes kind (a call note edited into a
    manual note) keeps its old row until `dbt build --full-refresh`.
#}
{{ config(
    materialized='incremental',
    unique_key=['account_key', 'activity_id'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with
{%- if is_incremental() %}
tasks_to_rebuild as (

    select
        account_key,
        task_id
    from {{ ref('stg_amocrm__tasks') }}{{ where_newer_load(ref('stg_amocrm__tasks')) }}

    union

    select
        account_key,
        entity_id as task_id
    from {{ ref('stg_amocrm__events') }}
    where
        event_type = 'task_completed'
        and entity_type = 'task'
        {{- and_newer_load(ref('stg_amocrm__events')) }}

),
{%- endif %}

amocrm_notes as (

    select
        account_key,
        'lead' as linked_entity_type,
        note_id,
        lead_id as deal_id,
        cast(null as {{ dbt.type_string() }}) as contact_id,
        note_type,
        created_by_user_id,
        responsible_user_id,
        created_at,
        call_duration_seconds,
        call_status,
        email_is_incoming,
        dlt_load_id
    from {{ ref('stg_amocrm__lead_notes') }}{{ where_newer_load(ref('stg_amocrm__lead_notes')) }}

    union all

    select
        account_key,
        'contact' as linked_entity_type,
        note_id,
        cast(null as {{ dbt.type_string() }}) as deal_id,
        contact_id,
        note_type,
        created_by_user_id,
        responsible_user_id,
        created_at,
        call_duration_seconds,
        call_status,
        email_is_incoming,
        dlt_load_id
    from {{ ref('stg_amocrm__contact_notes') }}{{ where_newer_load(ref('stg_amocrm__contact_notes')) }}

),

amocrm_call_notes as (

    select
        amocrm_notes.*,
        case when amocrm_notes.note_type = 'call_in' then 'inbound' else 'outbound' end as direction,
        (
            coalesce(amocrm_notes.call_status = 4, false)
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
        created_by_user_id as acting_user_id,
        responsible_user_id as fallback_user_id,
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
        note_id as source_record_id,
        dlt_load_id
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
        created_by_user_id as acting_user_id,
        responsible_user_id as fallback_user_id,
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
        note_id as source_record_id,
        dlt_load_id
    from amocrm_notes
    where note_type = 'amomail_message'

),

amocrm_manual_notes as (

    select
        account_key,
        'note:' || linked_entity_type || ':' || note_id as activity_id,
        'note' as activity_type,
        cast(null as {{ dbt.type_string() }}) as direction,
        created_by_user_id as acting_user_id,
        responsible_user_id as fallback_user_id,
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
        note_id as source_record_id,
        dlt_load_id
    from amocrm_notes
    where note_type in ({{ quoted_list(var('amocrm_manual_note_types')) }})

),

amocrm_task_completions as (

    select
        events.account_key,
        events.entity_id as task_id,
        max(events.created_at) as completed_event_at,
        max(events.dlt_load_id) as completed_event_load_id
    from {{ ref('stg_amocrm__events') }} as events
    where
        events.event_type = 'task_completed'
        and events.entity_type = 'task'
        {{- and_task_to_rebuild('events', 'entity_id') }}
    group by events.account_key, events.entity_id

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
        {# The newest load of the task and its completion events: a later completion moves the row. #}
        case
            when completions.completed_event_load_id > task_rows.dlt_load_id
                then completions.completed_event_load_id
            else task_rows.dlt_load_id
        end as dlt_load_id,
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
    {{- and_task_to_rebuild('task_rows', keyword='where') }}

),

{# A meeting task's complete_till is its scheduled start: the meeting occurs then. #}
amocrm_tasks as (

    select
        account_key,
        'task:' || task_id as activity_id,
        case when is_meeting then 'meeting' else 'task' end as activity_type,
        cast(null as {{ dbt.type_string() }}) as direction,
        responsible_user_id as acting_user_id,
        cast(null as {{ dbt.type_string() }}) as fallback_user_id,
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
        task_id as source_record_id,
        dlt_load_id
    from amocrm_task_rows

),

amocrm_chat_messages as (

    select
        account_key,
        'chat_event:' || event_id as activity_id,
        'chat_message' as activity_type,
        case when event_type = 'incoming_chat_message' then 'inbound' else 'outbound' end as direction,
        created_by_user_id as acting_user_id,
        cast(null as {{ dbt.type_string() }}) as fallback_user_id,
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
        event_id as source_record_id,
        dlt_load_id
    from {{ ref('stg_amocrm__events') }}
    where
        event_type in ('incoming_chat_message', 'outgoing_chat_message')
        {{- and_newer_load(ref('stg_amocrm__events')) }}

)

select * from amocrm_calls
union all
select * from amocrm_emails
union all
select * from amocrm_manual_notes
union all
select * from amocrm_tasks
union all
select * from amocrm_chat_messages
