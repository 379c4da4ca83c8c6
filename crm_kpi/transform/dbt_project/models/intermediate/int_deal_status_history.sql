-- sqlfluff:indentation:template_blocks_indent:False
{#
    The status (open / won / lost) and stage of each deal over time: one row per interval
    [valid_from, valid_to) in which the deal sat in one stage. The first interval starts at
    creation in the "from" stage of the first stage change (or the current stage when there is
    no change); a closed deal without stage-change history is open from creation until its
    closed_at, and a closed deal whose history ends outside its status (the closing change is
    missing) leaves its last interval at its closed_at (`closing_after_history`); stage changes
    recorded after a closed deal's closed_at are left out (`transitions`). Local dates
    use the account time zone: the deal is in the interval's status at the end of local day D
    when valid_from_date <= D and (valid_to_date > D or valid_to_date is NULL). `dlt_load_id`: the deal's change marker (`int_deals`).
    Incremental (issue #11): an incremental build recomputes the intervals of the
    `deals_to_rebuild()` and replaces the deal's rows.
#}
{{ config(
    materialized='incremental',
    unique_key=['account_key', 'deal_id'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with
{%- if is_incremental() %}
deals_to_rebuild as (

    {{ deals_to_rebuild(ref('int_deals')) }}

),
{%- endif %}

deals as (

    select
        deal_rows.account_key,
        deal_rows.deal_id,
        deal_rows.pipeline_id,
        deal_rows.stage_id,
        deal_rows.status,
        deal_rows.created_at,
        deal_rows.closed_at,
        deal_rows.dlt_load_id
    from {{ ref('int_deals') }} as deal_rows
    {{- and_deal_to_rebuild('deal_rows', keyword='where') }}

),

recorded_transitions as (

    select
        transition_rows.account_key,
        transition_rows.deal_id,
        transition_rows.transition_seq,
        transition_rows.changed_at,
        transition_rows.from_pipeline_id,
        transition_rows.from_stage_id,
        transition_rows.from_status,
        transition_rows.to_pipeline_id,
        transition_rows.to_stage_id,
        transition_rows.to_status
    from {{ ref('int_stage_transitions') }} as transition_rows
    {{- and_deal_to_rebuild('transition_rows', keyword='where') }}

),

{#
    The history agrees with the deal's current status: a deal closed now entered that status
    last at its closed_at (catalogue), so a stage change after closed_at that the deal row does
    not show (e.g. an event loaded ahead of its deal) is left out, and the interval in force at
    closed_at runs on.
#}
transitions as (

    select recorded_transitions.*
    from recorded_transitions
    inner join deals
        on
            recorded_transitions.account_key = deals.account_key
            and recorded_transitions.deal_id = deals.deal_id
    where
        deals.status = 'open'
        or deals.closed_at is null
        or recorded_transitions.changed_at <= deals.closed_at

),

{# Each deal with its first stage change, if any: joined once for the two intervals it gives. #}
deals_with_first_transitions as (

    select
        deals.*,
        first_transitions.deal_id is not null as has_transitions,
        first_transitions.from_pipeline_id as first_from_pipeline_id,
        first_transitions.from_stage_id as first_from_stage_id,
        first_transitions.from_status as first_from_status,
        first_transitions.changed_at as first_changed_at
    from deals
    left join transitions as first_transitions
        on
            deals.account_key = first_transitions.account_key
            and deals.deal_id = first_transitions.deal_id
            and first_transitions.transition_seq = 1

),

initial_intervals as (

    select
        account_key,
        deal_id,
        0 as interval_seq,
        case
            when has_transitions then first_from_pipeline_id
            else pipeline_id
        end as pipeline_id,
        case
            when has_transitions then first_from_stage_id
            when status = 'open' or closed_at is null then stage_id
        end as stage_id,
        case
            when has_transitions then coalesce(first_from_status, 'open')
            when status <> 'open' and closed_at is not null then 'open'
            else status
        end as status,
        created_at as valid_from,
        case
            when has_transitions then first_changed_at
            when status <> 'open' then closed_at
        end as valid_to,
        dlt_load_id
    from deals_with_first_transitions

),

closing_without_history as (

    select
        account_key,
        deal_id,
        1 as interval_seq,
        pipeline_id,
        stage_id,
        status,
        closed_at as valid_from,
        cast(null as {{ dbt.type_timestamp() }}) as valid_to,
        dlt_load_id
    from deals_with_first_transitions
    where
        not has_transitions
        and status <> 'open'
        and closed_at is not null

),

changes_of_deals as (

    select
        transitions.*,
        lead(transitions.changed_at) over (
            partition by transitions.account_key, transitions.deal_id
            order by transitions.transition_seq
        ) as next_changed_at,
        lead(transitions.transition_seq) over (
            partition by transitions.account_key, transitions.deal_id
            order by transitions.transition_seq
        ) is null as is_last_change,
        deals.pipeline_id as deal_pipeline_id,
        deals.stage_id as deal_stage_id,
        deals.status as deal_status,
        deals.closed_at as deal_closed_at,
        deals.dlt_load_id
    from transitions
    inner join deals
        on
            transitions.account_key = deals.account_key
            and transitions.deal_id = deals.deal_id

),

{#
    A deal closed now (won / lost, with closed_at) whose last recorded change did not lead into
    that status (the closing change is missing from the history) is closed at its closed_at
    when that is not before the last change: the last interval ends there and the closed
    interval follows (catalogue: a deal is open at the end of P only when not closed by then).
    Changes after closed_at are left out (`transitions`), so the last change is never later.
#}
changes_with_closing as (

    select
        *,
        coalesce(
            is_last_change
            and deal_status <> 'open'
            and deal_closed_at >= changed_at
            and coalesce(to_status, 'open') <> deal_status,
            false
        ) as is_closed_after
    from changes_of_deals

),

transition_intervals as (

    select
        account_key,
        deal_id,
        transition_seq as interval_seq,
        to_pipeline_id as pipeline_id,
        to_stage_id as stage_id,
        coalesce(to_status, 'open') as status,
        changed_at as valid_from,
        case when is_closed_after then deal_closed_at else next_changed_at end as valid_to,
        dlt_load_id
    from changes_with_closing

),

closing_after_history as (

    select
        account_key,
        deal_id,
        transition_seq + 1 as interval_seq,
        deal_pipeline_id as pipeline_id,
        deal_stage_id as stage_id,
        deal_status as status,
        deal_closed_at as valid_from,
        cast(null as {{ dbt.type_timestamp() }}) as valid_to,
        dlt_load_id
    from changes_with_closing
    where is_closed_after

),

intervals as (

    select * from initial_intervals
    union all
    select * from closing_without_history
    union all
    select * from transition_intervals
    union all
    select * from closing_after_history

),

accounts as (

    select
        account_key,
        timezone
    from {{ ref('int_accounts') }}

),

{# Local dates through one time-zone conversion per account and UTC hour (`local_hour_offsets()`). #}
interval_hours as (

    select account_key, {{ utc_hour('valid_from') }} as utc_hour from intervals
    union all
    select account_key, {{ utc_hour('valid_to') }} as utc_hour from intervals

),

hour_offsets as (

    {{ local_hour_offsets('interval_hours', 'accounts') }}

)

select
    intervals.account_key,
    intervals.deal_id,
    intervals.interval_seq,
    intervals.pipeline_id,
    intervals.stage_id,
    intervals.status,
    intervals.valid_from,
    intervals.valid_to,
    {{ local_date_by_hour('from_hours', 'intervals.valid_from', 'accounts.timezone') }} as valid_from_date,
    {{ local_date_by_hour('to_hours', 'intervals.valid_to', 'accounts.timezone') }} as valid_to_date,
    intervals.dlt_load_id,
    {{ this_invocation() }} as dbt_invocation_id
from intervals
left join accounts
    on intervals.account_key = accounts.account_key
left join hour_offsets as from_hours
    on
        intervals.account_key = from_hours.account_key
        and {{ utc_hour('intervals.valid_from') }} = from_hours.utc_hour
left join hour_offsets as to_hours
    on
        intervals.account_key = to_hours.account_key
        and {{ utc_hour('intervals.valid_to') }} = to_hours.utc_hour
