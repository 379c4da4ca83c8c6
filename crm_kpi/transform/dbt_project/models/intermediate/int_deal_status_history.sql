-- sqlfluff:indentation:template_blocks_indent:False
{#
    The status (open / won / lost) and stage of each deal over time: one row per interval
    [valid_from, valid_to) in which the deal sat in one stage. The first interval starts at
    creation in the "from" stage of the first stage change (or the current stage when there is
    no change); a closed deal without stage-change history is open from creation until its
    closed_at. Local dates use the account time zone: the deal is in the interval's status at
    the end of local day D when valid_from_date <= D and (valid_to_date > D or valid_to_date is
    NULL). `dlt_load_id`: the deal's change marker (`int_deals`).
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

    {{ deals_to_rebuild(ref('int_deals'), updated_deals=ref('int_deals')) }}

),
{%- endif %}

deals as (

    select deal_rows.*
    from {{ ref('int_deals') }} as deal_rows
    {{- and_deal_to_rebuild('deal_rows', keyword='where') }}

),

transitions as (

    select transition_rows.*
    from {{ ref('int_stage_transitions') }} as transition_rows
    {{- and_deal_to_rebuild('transition_rows', keyword='where') }}

),

first_transitions as (

    select * from transitions
    where transition_seq = 1

),

initial_intervals as (

    select
        deals.account_key,
        deals.deal_id,
        0 as interval_seq,
        case
            when first_transitions.deal_id is not null then first_transitions.from_pipeline_id
            else deals.pipeline_id
        end as pipeline_id,
        case
            when first_transitions.deal_id is not null then first_transitions.from_stage_id
            when deals.status = 'open' or deals.closed_at is null then deals.stage_id
        end as stage_id,
        case
            when first_transitions.deal_id is not null
                then coalesce(first_transitions.from_status, 'open')
            when deals.status <> 'open' and deals.closed_at is not null then 'open'
            else deals.status
        end as status,
        deals.created_at as valid_from,
        case
            when first_transitions.deal_id is not null then first_transitions.changed_at
            when deals.status <> 'open' then deals.closed_at
        end as valid_to
    from deals
    left join first_transitions
        on
            deals.account_key = first_transitions.account_key
            and deals.deal_id = first_transitions.deal_id

),

closing_without_history as (

    select
        deals.account_key,
        deals.deal_id,
        1 as interval_seq,
        deals.pipeline_id,
        deals.stage_id,
        deals.status,
        deals.closed_at as valid_from,
        cast(null as {{ dbt.type_timestamp() }}) as valid_to
    from deals
    left join first_transitions
        on
            deals.account_key = first_transitions.account_key
            and deals.deal_id = first_transitions.deal_id
    where
        first_transitions.deal_id is null
        and deals.status <> 'open'
        and deals.closed_at is not null

),

transition_intervals as (

    select
        transitions.account_key,
        transitions.deal_id,
        transitions.transition_seq as interval_seq,
        transitions.to_pipeline_id as pipeline_id,
        transitions.to_stage_id as stage_id,
        coalesce(transitions.to_status, 'open') as status,
        transitions.changed_at as valid_from,
        lead(transitions.changed_at) over (
            partition by transitions.account_key, transitions.deal_id
            order by transitions.transition_seq
        ) as valid_to
    from transitions
    inner join deals
        on
            transitions.account_key = deals.account_key
            and transitions.deal_id = deals.deal_id

),

intervals as (

    select * from initial_intervals
    union all
    select * from closing_without_history
    union all
    select * from transition_intervals

),

accounts as (

    select
        account_key,
        timezone
    from {{ ref('int_accounts') }}

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
    {{ to_local_date('intervals.valid_from', 'accounts.timezone') }} as valid_from_date,
    {{ to_local_date('intervals.valid_to', 'accounts.timezone') }} as valid_to_date,
    deals.dlt_load_id
from intervals
left join accounts
    on intervals.account_key = accounts.account_key
left join deals
    on
        intervals.account_key = deals.account_key
        and intervals.deal_id = deals.deal_id
