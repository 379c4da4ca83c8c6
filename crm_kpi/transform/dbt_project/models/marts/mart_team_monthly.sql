{#
    Team x local calendar month, plus one row per month for the whole account (team_id NULL).
    Additive measures are sums over the team's managers in mart_manager_monthly (team = the
    manager's current team); ratios are recomputed from those sums; medians and averages of
    the sales cycle and the first response are recomputed from the deals themselves.
#}
{%- set additive = [
    'deals_created', 'deals_won', 'deals_lost', 'revenue', 'lost_amount',
    'calls_total', 'calls_outbound', 'calls_inbound', 'calls_answered', 'calls_missed',
    'call_duration_seconds', 'meetings_held', 'emails_sent', 'emails_received',
    'tasks_created', 'tasks_completed', 'tasks_completed_on_time', 'tasks_overdue',
    'notes_created', 'deals_without_contact', 'open_deals_end', 'open_pipeline_amount_end',
    'weighted_pipeline_end'
] -%}
{%- set money = ['revenue', 'lost_amount', 'open_pipeline_amount_end', 'weighted_pipeline_end'] -%}
with manager_months as (

    select * from {{ ref('mart_manager_monthly') }}

),

managers as (

    select * from {{ ref('dim_managers') }}

),

deals as (

    select * from {{ ref('fct_deals') }}
    where not is_deleted

),

{# Every manager-month twice: once for the team, once for the account total (team NULL). #}
member_months as (

    select
        manager_months.*,
        managers.team_id as rollup_team_id,
        false as is_account_total
    from manager_months
    inner join managers
        on
            manager_months.account_key = managers.account_key
            and manager_months.manager_id = managers.manager_id
    where managers.team_id is not null

    union all

    select
        manager_months.*,
        cast(null as {{ dbt.type_string() }}) as rollup_team_id,
        true as is_account_total
    from manager_months

),

team_totals as (

    select
        account_key,
        rollup_team_id as team_id,
        is_account_total,
        month_start,
        count(distinct manager_id) as managers,
        {#- the same for every manager of an account month #}
        max(case when is_complete_period then 1 else 0 end) = 1 as is_complete_period,
        {%- for column in additive %}
            sum({{ column }}) as {{ column }},
        {%- endfor %}
        min(first_activity_at) as first_activity_at,
        max(last_activity_at) as last_activity_at
    from member_months
    group by account_key, rollup_team_id, is_account_total, month_start

),

deal_members as (

    select
        deals.*,
        managers.team_id as closing_team_id,
        creators.team_id as creating_team_id
    from deals
    left join managers
        on
            deals.account_key = managers.account_key
            and deals.closing_manager_id = managers.manager_id
    left join managers as creators
        on
            deals.account_key = creators.account_key
            and deals.creating_manager_id = creators.manager_id

),

won_cycles as (

    select
        account_key,
        closing_team_id as team_id,
        false as is_account_total,
        {{ period_start('month', 'closed_date') }} as month_start,
        {{ stable_avg("days_to_close") }} as avg_days_to_close,
        {{ median('days_to_close') }} as median_days_to_close
    from deal_members
    where status = 'won' and closing_team_id is not null
    group by account_key, closing_team_id, {{ period_start('month', 'closed_date') }}

    union all

    select
        account_key,
        cast(null as {{ dbt.type_string() }}) as team_id,
        true as is_account_total,
        {{ period_start('month', 'closed_date') }} as month_start,
        {{ stable_avg("days_to_close") }} as avg_days_to_close,
        {{ median('days_to_close') }} as median_days_to_close
    from deal_members
    where status = 'won' and closing_manager_id is not null
    group by account_key, {{ period_start('month', 'closed_date') }}

),

cohorts as (

    select
        account_key,
        creating_team_id as team_id,
        false as is_account_total,
        {{ period_start('month', 'created_date') }} as month_start,
        {{ stable_avg("first_response_minutes") }} as avg_first_response_minutes,
        {{ median('first_response_minutes') }} as median_first_response_minutes,
        count(*) as cohort_deals,
        sum(case when status = 'won' then 1 else 0 end) as cohort_deals_won
    from deal_members
    where creating_team_id is not null
    group by account_key, creating_team_id, {{ period_start('month', 'created_date') }}

    union all

    select
        account_key,
        cast(null as {{ dbt.type_string() }}) as team_id,
        true as is_account_total,
        {{ period_start('month', 'created_date') }} as month_start,
        {{ stable_avg("first_response_minutes") }} as avg_first_response_minutes,
        {{ median('first_response_minutes') }} as median_first_response_minutes,
        count(*) as cohort_deals,
        sum(case when status = 'won' then 1 else 0 end) as cohort_deals_won
    from deal_members
    where creating_manager_id is not null
    group by account_key, {{ period_start('month', 'created_date') }}

),

team_names as (

    select distinct
        account_key,
        team_id,
        team_name
    from managers
    where team_id is not null

)

select
    team_totals.account_key,
    team_totals.team_id,
    team_totals.month_start,
    team_totals.is_account_total,
    team_totals.is_complete_period,
    case when team_totals.is_account_total then 'All teams' else team_names.team_name end as team_name,
    cast(team_totals.managers as {{ dbt.type_bigint() }}) as managers,
    {%- for column in additive %}
        cast(team_totals.{{ column }} as {{ type_money() if column in money else dbt.type_bigint() }})
            as {{ column }},
    {%- endfor %}
    {{ kpi('avg_deal_value', 'team_totals') }} as avg_deal_value,
    {{ kpi('win_rate', 'team_totals') }} as win_rate,
    {{ kpi('win_rate_amount', 'team_totals') }} as win_rate_amount,
    cast(won_cycles.avg_days_to_close as {{ type_double() }}) as avg_days_to_close,
    cast(won_cycles.median_days_to_close as {{ type_double() }}) as median_days_to_close,
    {{ kpi('avg_call_seconds', 'team_totals') }} as avg_call_seconds,
    {{ kpi('call_to_meeting_rate', 'team_totals') }} as call_to_meeting_rate,
    {{ kpi('task_on_time_rate', 'team_totals') }} as task_on_time_rate,
    cast(cohorts.median_first_response_minutes as {{ type_double() }})
        as median_first_response_minutes,
    cast(cohorts.avg_first_response_minutes as {{ type_double() }}) as avg_first_response_minutes,
    {{ kpi('cohort_conversion_rate', 'cohorts') }} as cohort_conversion_rate,
    team_totals.first_activity_at,
    team_totals.last_activity_at
from team_totals
left join team_names
    on
        team_totals.account_key = team_names.account_key
        and team_totals.team_id = team_names.team_id
left join won_cycles
    on
        team_totals.account_key = won_cycles.account_key
        and team_totals.is_account_total = won_cycles.is_account_total
        and team_totals.month_start = won_cycles.month_start
        and {{ null_safe_key('team_totals.team_id') }} = {{ null_safe_key('won_cycles.team_id') }}
left join cohorts
    on
        team_totals.account_key = cohorts.account_key
        and team_totals.is_account_total = cohorts.is_account_total
        and team_totals.month_start = cohorts.month_start
        and {{ null_safe_key('team_totals.team_id') }} = {{ null_safe_key('cohorts.team_id') }}
