-- sqlfluff:indentation:template_blocks_indent:False
{#
    Incremental (issue #11): an incremental build recomputes the changes of the
    `deals_to_rebuild()` (their marker `dlt_load_id` from `int_stage_transitions`) and
    replaces the deal's rows.
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

    {{ deals_to_rebuild(ref('int_stage_transitions'), 'is_deal_deleted') }}

),
{%- endif %}

transitions as (

    select transition_rows.*
    from {{ ref('int_stage_transitions') }} as transition_rows
    {{- and_deal_to_rebuild('transition_rows', keyword='where') }}

),

responsible_history as (

    select history_rows.*
    from {{ ref('int_deal_responsible_history') }} as history_rows
    {{- and_deal_to_rebuild('history_rows', keyword='where') }}

),

deals as (

    select
        deal_rows.account_key,
        deal_rows.deal_id,
        deal_rows.manager_id,
        deal_rows.is_deleted
    from {{ ref('int_deals') }} as deal_rows
    {{- and_deal_to_rebuild('deal_rows', keyword='where') }}

),

accounts as (

    select
        account_key,
        timezone
    from {{ ref('int_accounts') }}

),

{#
    The responsible user at each change. Matched by an inner join on the deal and then
    filtered on the interval, so that the join is a hash join on the deal: an `or` in a left
    join's condition makes DuckDB compare every change with every interval (issue #11).
#}
managers_at_change as (

    select
        transitions.account_key,
        transitions.deal_id,
        transitions.transition_seq,
        history.manager_id
    from transitions
    inner join responsible_history as history
        on
            transitions.account_key = history.account_key
            and transitions.deal_id = history.deal_id
    where
        (history.valid_from is null or transitions.changed_at >= history.valid_from)
        and (history.valid_to is null or transitions.changed_at < history.valid_to)

),

{# Local dates through one time-zone conversion per account and UTC hour (`local_hour_offsets()`). #}
transition_hours as (

    select
        account_key,
        {{ utc_hour('changed_at') }} as utc_hour
    from transitions

),

hour_offsets as (

    {{ local_hour_offsets('transition_hours', 'accounts') }}

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
    {{ local_date_by_hour('changed_hours', 'transitions.changed_at', 'accounts.timezone') }} as changed_date,
    coalesce(responsible_history.manager_id, deals.manager_id) as manager_id,
    transitions.changed_by_user_id,
    transitions.from_stage_entered_at,
    {{ hours_between('transitions.from_stage_entered_at', 'transitions.changed_at') }} as hours_in_from_stage,
    coalesce(deals.is_deleted, false) as is_deal_deleted,
    transitions.dlt_load_id,
    {{ this_invocation() }} as dbt_invocation_id
from transitions
left join accounts
    on transitions.account_key = accounts.account_key
left join deals
    on
        transitions.account_key = deals.account_key
        and transitions.deal_id = deals.deal_id
left join managers_at_change as responsible_history
    on
        transitions.account_key = responsible_history.account_key
        and transitions.deal_id = responsible_history.deal_id
        and transitions.transition_seq = responsible_history.transition_seq
left join hour_offsets as changed_hours
    on
        transitions.account_key = changed_hours.account_key
        and {{ utc_hour('transitions.changed_at') }} = changed_hours.utc_hour
