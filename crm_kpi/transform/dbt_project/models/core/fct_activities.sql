-- sqlfluff:indentation:template_blocks_indent:False
{#
    Incremental (issue #11): a nightly run recomputes only the activities that can have changed
    and replaces them (delete+insert on the key): rows of a newer load than the table holds of
    their account, rows dated within the var `incremental_lookback_days` of the account's
    `as_of` (late CRM edits), tasks due since the start of that window (`is_overdue` moves with
    `as_of`), and
    the activities of deals changed since (their marker `int_deals.dlt_load_id` is newer) or
    whose deletion `int_deals` now holds otherwise (a lead put into or taken out of the amoCRM
    bin: a snapshot, it marks nothing). Every condition is a cheap filter on one row and its
    deal; none reads the whole table back. A change of the account's time zone, of its users
    or an older edit needs `dbt build --full-refresh`.
#}
{{ config(
    materialized='incremental',
    unique_key=['account_key', 'activity_id'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with accounts as (

    select * from {{ ref('int_accounts') }}

),

{% if is_incremental() %}
deals_to_rebuild as (

    select
        account_key,
        deal_id
    from {{ ref('int_deals') }}{{ where_newer_load(ref('int_deals')) }}

    union

    select
        held.account_key,
        held.deal_id
    from {{ this }} as held
    inner join {{ ref('int_deals') }} as deals
        on
            held.account_key = deals.account_key
            and held.deal_id = deals.deal_id
    where held.is_deal_deleted <> deals.is_deleted

),

{% endif %}
activities as (

    select source_activities.*
    from {{ ref('int_activities') }} as source_activities
    {% if is_incremental() %}
    left join accounts as cutoffs
        on source_activities.account_key = cutoffs.account_key
    left join {{ newest_loads_held() }} as newest_held
        on source_activities.account_key = newest_held.account_key
    where
        source_activities.dlt_load_id > coalesce(newest_held.newest_load_id, '')
        or source_activities.occurred_at >= {{ lookback_start('cutoffs.as_of') }}
        or source_activities.created_at >= {{ lookback_start('cutoffs.as_of') }}
        or (source_activities.is_task and source_activities.due_at >= {{ lookback_start('cutoffs.as_of') }})
        {{- and_deal_to_rebuild('source_activities', keyword='or') }}
    {% endif %}

),

deals as (

    select
        account_key,
        deal_id,
        status,
        closed_at,
        is_deleted
    from {{ ref('int_deals') }}

),

{#
    A linked deal the CRM no longer lists counts as deleted: Bitrix24 hard-deletes deals, and
    an amoCRM lead can be gone from the lead list before its bin snapshot is loaded.
#}
activities_with_deals as (

    select
        activities.*,
        deals.status as deal_status,
        deals.closed_at as deal_closed_at,
        (activities.deal_id is not null and coalesce(deals.is_deleted, true)) as is_deal_deleted
    from activities
    left join deals
        on
            activities.account_key = deals.account_key
            and activities.deal_id = deals.deal_id

),

{# Local dates through one time-zone conversion per account and UTC hour (`local_hour_offsets()`). #}
activity_hours as (

    select account_key, {{ utc_hour('occurred_at') }} as utc_hour from activities
    union all
    select account_key, {{ utc_hour('created_at') }} as utc_hour from activities
    union all
    select account_key, {{ utc_hour('due_at') }} as utc_hour from activities
    union all
    select account_key, {{ utc_hour('completed_at') }} as utc_hour from activities

),

hour_offsets as (

    {{ local_hour_offsets('activity_hours', 'accounts') }}

)

select
    activities.account_key,
    activities.activity_id,
    activities.activity_type,
    activities.direction,
    activities.manager_id,
    activities.occurred_at,
    {{ local_date_by_hour('occurred_hours', 'activities.occurred_at', 'accounts.timezone') }} as occurred_date,
    activities.created_at,
    {{ local_date_by_hour('created_hours', 'activities.created_at', 'accounts.timezone') }} as created_date,
    activities.deal_id,
    activities.deal_status,
    activities.is_deal_deleted,
    activities.contact_id,
    activities.company_id,
    activities.duration_seconds,
    activities.is_answered,
    activities.outcome,
    activities.outcome_code,
    activities.is_task,
    activities.is_completed,
    activities.due_at,
    {{ local_date_by_hour('due_hours', 'activities.due_at', 'accounts.timezone') }} as due_date,
    activities.completed_at,
    {{ local_date_by_hour('completed_hours', 'activities.completed_at', 'accounts.timezone') }} as completed_date,
    case
        when activities.is_task
            then
                activities.completed_at is not null
                and (activities.due_at is null or activities.completed_at <= activities.due_at)
    end as is_completed_on_time,
    {#
        Overdue only while the task was open on an open, not deleted deal (or on no deal): an
        open task needs its deal open now; a task completed late counts when it was completed
        before its deal closed. Tasks left on won, lost or deleted deals are never overdue.
    #}
    case
        when activities.is_task
            then
                activities.due_at is not null
                and activities.due_at <= accounts.as_of
                and (activities.completed_at is null or activities.completed_at > activities.due_at)
                and not activities.is_deal_deleted
                and (
                    activities.deal_id is null
                    or (activities.completed_at is null and activities.deal_status = 'open')
                    or (
                        activities.completed_at is not null
                        and (activities.deal_closed_at is null or activities.completed_at <= activities.deal_closed_at)
                    )
                )
    end as is_overdue,
    activities.source_record_type,
    activities.source_record_id,
    activities.dlt_load_id,
    {{ this_invocation() }} as dbt_invocation_id
from activities_with_deals as activities
left join accounts
    on activities.account_key = accounts.account_key
{%- for name in ['occurred', 'created', 'due', 'completed'] %}
left join hour_offsets as {{ name }}_hours
    on
        activities.account_key = {{ name }}_hours.account_key
        and {{ utc_hour('activities.' ~ name ~ '_at') }} = {{ name }}_hours.utc_hour
{%- endfor %}
