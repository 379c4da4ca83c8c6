-- sqlfluff:indentation:template_blocks_indent:False
{#
    One row per sales activity in the canonical cross-CRM shape: calls, e-mails, manual notes,
    tasks, meetings and chat messages, the union of int_amocrm__activities and
    int_bitrix24__activities (which document each CRM's sources).
    Manager attribution (catalogue "manager attribution"): the user who performed the
    activity. Each CRM model names an acting user (amoCRM notes: `created_by`; chat events:
    the acting user; tasks and meetings: the assignee; Bitrix24: RESPONSIBLE_ID, telephony
    PORTAL_USER_ID, comment AUTHOR_ID) and, for amoCRM notes, a fallback (the note's
    `responsible_user_id`, used when the acting user is a robot / integration). An id that is
    not a user of the account (0, an account id, a deleted user) is never a manager: when
    neither id is a user, `manager_id` is NULL and the activity only counts in account totals.
    Incremental (issue #11): an incremental build recomputes the activities of loads newer
    than the table holds of their account and those dated within the var `incremental_lookback_days` of the
    account's `as_of` (a user loaded late takes their recent activities), and replaces them
    on their key; a change of the account's users for older activities needs
    `dbt build --full-refresh`.
#}
{{ config(
    materialized='incremental',
    unique_key=['account_key', 'activity_id'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

-- depends_on: {{ ref('int_accounts') }}
with crm_activities as (

    {{ union_crm_models('activities') }}

),

activities as (

    select crm_activities.*
    from crm_activities
    {% if is_incremental() %}
    left join {{ ref('int_accounts') }} as cutoffs
        on crm_activities.account_key = cutoffs.account_key
    left join {{ newest_loads_held() }} as newest_held
        on crm_activities.account_key = newest_held.account_key
    where
        crm_activities.dlt_load_id > coalesce(newest_held.newest_load_id, '')
        or crm_activities.occurred_at >= {{ lookback_start('cutoffs.as_of') }}
        or crm_activities.created_at >= {{ lookback_start('cutoffs.as_of') }}
    {% endif %}

),

account_users as (

    select
        account_key,
        manager_id as user_id
    from {{ ref('int_managers') }}

)

select
    activities.account_key,
    activities.activity_id,
    activities.activity_type,
    activities.direction,
    case
        when acting_users.user_id is not null then acting_users.user_id
        when fallback_users.user_id is not null then fallback_users.user_id
    end as manager_id,
    activities.acting_user_id,
    activities.fallback_user_id,
    activities.occurred_at,
    activities.created_at,
    activities.deal_id,
    activities.contact_id,
    activities.company_id,
    activities.duration_seconds,
    activities.is_answered,
    activities.outcome,
    activities.outcome_code,
    activities.is_completed,
    activities.due_at,
    activities.completed_at,
    activities.is_task,
    activities.source_record_type,
    activities.source_record_id,
    activities.dlt_load_id,
    {{ this_invocation() }} as dbt_invocation_id
from activities
left join account_users as acting_users
    on
        activities.account_key = acting_users.account_key
        and activities.acting_user_id = acting_users.user_id
left join account_users as fallback_users
    on
        activities.account_key = fallback_users.account_key
        and activities.fallback_user_id = fallback_users.user_id
