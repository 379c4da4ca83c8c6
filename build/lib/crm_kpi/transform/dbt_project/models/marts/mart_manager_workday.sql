{#
    Manager x local day: the shape of the working day, from the moments at which the manager
    visibly worked (same moments as first/last activity in mart_manager_daily). Rows follow
    the spine of mart_manager_daily; a day without activity has 0 activities and NULL times.
#}
with spine as (

    select
        account_key,
        manager_id,
        activity_date as work_date
    from {{ ref('mart_manager_daily') }}

),

accounts as (

    select
        account_key,
        timezone
    from {{ ref('int_accounts') }}

),

activities as (

    select * from {{ ref('fct_activities') }}
    where manager_id is not null and not is_deal_deleted

),

moments as (

    select
        account_key,
        manager_id,
        occurred_date as work_date,
        occurred_at as moment_at
    from activities
    where activity_type in ('call', 'email', 'note', 'chat_message')

    union all

    select
        account_key,
        manager_id,
        completed_date as work_date,
        completed_at as moment_at
    from activities
    where activity_type = 'task' and completed_at is not null

    union all

    select
        account_key,
        manager_id,
        occurred_date as work_date,
        occurred_at as moment_at
    from activities
    where activity_type = 'meeting' and is_completed and occurred_at is not null

),

gaps as (

    select
        account_key,
        manager_id,
        work_date,
        moment_at,
        {{ minutes_between(
            'lag(moment_at) over (partition by account_key, manager_id, work_date order by moment_at)',
            'moment_at') }} as gap_minutes
    from moments
    where work_date is not null

),

days as (

    select
        account_key,
        manager_id,
        work_date,
        count(*) as activities,
        min(moment_at) as first_activity_at,
        max(moment_at) as last_activity_at,
        max(gap_minutes) as longest_gap_minutes
    from gaps
    group by account_key, manager_id, work_date

)

select
    spine.account_key,
    spine.manager_id,
    spine.work_date,
    {{ to_local_timestamp('days.first_activity_at', 'accounts.timezone') }} as first_activity_at_local,
    {{ to_local_timestamp('days.last_activity_at', 'accounts.timezone') }} as last_activity_at_local,
    {{ hours_between('days.first_activity_at', 'days.last_activity_at') }} as active_span_hours,
    cast(coalesce(days.activities, 0) as {{ dbt.type_bigint() }}) as activities,
    cast(days.longest_gap_minutes as {{ type_double() }}) as longest_gap_minutes
from spine
left join days
    on
        spine.account_key = days.account_key
        and spine.manager_id = days.manager_id
        and spine.work_date = days.work_date
left join accounts
    on spine.account_key = accounts.account_key
