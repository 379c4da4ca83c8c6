{#
    Manager x local day. The spine (managers in scope x every day of the account's data
    range; a leaver stays while holding open deals or open tasks), left joined to the days
    with a measure (int_manager_daily_measures): nothing fans out and empty days are zeros.
#}
with measures as (

    select * from {{ ref('int_manager_daily_measures') }}

),

deals as (

    select * from {{ ref('fct_deals') }}
    where not is_deleted

),

activities as (

    select * from {{ ref('fct_activities') }}
    where manager_id is not null and not is_deal_deleted

),

responsible_history as (

    select * from {{ ref('int_deal_responsible_history') }}
    where manager_id is not null

),

accounts as (

    select
        account_key,
        as_of_date
    from {{ ref('int_accounts') }}

),

managers as (

    select
        account_key,
        manager_id,
        is_active
    from {{ ref('dim_managers') }}

),

calendar as (

    select date_day from {{ ref('dim_dates') }}

),

account_data_ranges as (

    select
        measures.account_key,
        min(measures.activity_date) as first_date,
        max(measures.activity_date) as last_date
    from measures
    group by measures.account_key

),

account_spine_ranges as (

    select
        account_data_ranges.account_key,
        account_data_ranges.first_date,
        case
            when accounts.as_of_date > account_data_ranges.last_date then accounts.as_of_date
            else account_data_ranges.last_date
        end as last_date
    from account_data_ranges
    left join accounts
        on account_data_ranges.account_key = accounts.account_key

),

manager_last_measured_dates as (

    select
        account_key,
        manager_id,
        max(activity_date) as last_measured_date
    from measures
    group by account_key, manager_id

),

{#
    What each user holds and until when (NULL = still holds it at the horizon): open deals
    while responsible for them (until the responsible change or the closing day), open tasks
    on no deal or an open deal (until completion). Keeps a leaver's rows while they hold work.
#}
held_work as (

    select
        responsible_history.account_key,
        responsible_history.manager_id,
        case
            when deals.status = 'open' then responsible_history.valid_to_date
            when responsible_history.valid_to_date is null then deals.closed_date
            when responsible_history.valid_to_date < deals.closed_date then responsible_history.valid_to_date
            else deals.closed_date
        end as held_until_date
    from responsible_history
    inner join deals
        on
            responsible_history.account_key = deals.account_key
            and responsible_history.deal_id = deals.deal_id
    where
        deals.status = 'open'
        or (
            deals.closed_date is not null
            and (
                responsible_history.valid_from_date is null
                or responsible_history.valid_from_date <= deals.closed_date
            )
        )

    union all

    select
        account_key,
        manager_id,
        completed_date as held_until_date
    from activities
    where
        is_task
        and (completed_date is not null or deal_id is null or deal_status = 'open')

),

manager_holdings as (

    select
        account_key,
        manager_id,
        max(case when held_until_date is null then 1 else 0 end) = 1 as still_holds_work,
        max(held_until_date) as last_held_date
    from held_work
    group by account_key, manager_id

),

inactive_manager_ids as (

    select
        account_key,
        manager_id
    from manager_last_measured_dates
    union
    select
        account_key,
        manager_id
    from manager_holdings

),

{#
    Active managers span the whole account range. Others (left, or unknown) end at their last
    measured day, or later while they still hold open deals or open tasks.
#}
managers_in_scope as (

    select
        account_key,
        manager_id,
        true as is_active,
        false as still_holds_work,
        cast(null as date) as last_date
    from managers
    where is_active

    union all

    select
        inactive_manager_ids.account_key,
        inactive_manager_ids.manager_id,
        false as is_active,
        coalesce(manager_holdings.still_holds_work, false) as still_holds_work,
        case
            when manager_holdings.last_held_date is null then manager_last_measured_dates.last_measured_date
            when manager_last_measured_dates.last_measured_date is null then manager_holdings.last_held_date
            when manager_holdings.last_held_date > manager_last_measured_dates.last_measured_date
                then manager_holdings.last_held_date
            else manager_last_measured_dates.last_measured_date
        end as last_date
    from inactive_manager_ids
    left join managers
        on
            inactive_manager_ids.account_key = managers.account_key
            and inactive_manager_ids.manager_id = managers.manager_id
    left join manager_last_measured_dates
        on
            inactive_manager_ids.account_key = manager_last_measured_dates.account_key
            and inactive_manager_ids.manager_id = manager_last_measured_dates.manager_id
    left join manager_holdings
        on
            inactive_manager_ids.account_key = manager_holdings.account_key
            and inactive_manager_ids.manager_id = manager_holdings.manager_id
    where not coalesce(managers.is_active, false)

),

spine as (

    select
        managers_in_scope.account_key,
        managers_in_scope.manager_id,
        calendar.date_day as activity_date
    from managers_in_scope
    inner join account_spine_ranges
        on managers_in_scope.account_key = account_spine_ranges.account_key
    inner join calendar
        on
            account_spine_ranges.first_date <= calendar.date_day
            and (
                (
                    (managers_in_scope.is_active or managers_in_scope.still_holds_work)
                    and account_spine_ranges.last_date >= calendar.date_day
                )
                or managers_in_scope.last_date >= calendar.date_day
            )

)

select
    spine.account_key,
    spine.manager_id,
    spine.activity_date,
    cast(coalesce(measures.deals_created, 0) as {{ dbt.type_bigint() }}) as deals_created,
    cast(coalesce(measures.deals_won, 0) as {{ dbt.type_bigint() }}) as deals_won,
    cast(coalesce(measures.revenue, 0) as {{ type_money() }}) as revenue,
    cast(coalesce(measures.deals_lost, 0) as {{ dbt.type_bigint() }}) as deals_lost,
    cast(coalesce(measures.lost_amount, 0) as {{ type_money() }}) as lost_amount,
    cast(coalesce(measures.calls_total, 0) as {{ dbt.type_bigint() }}) as calls_total,
    cast(coalesce(measures.calls_outbound, 0) as {{ dbt.type_bigint() }}) as calls_outbound,
    cast(coalesce(measures.calls_inbound, 0) as {{ dbt.type_bigint() }}) as calls_inbound,
    cast(coalesce(measures.calls_answered, 0) as {{ dbt.type_bigint() }}) as calls_answered,
    cast(coalesce(measures.calls_missed, 0) as {{ dbt.type_bigint() }}) as calls_missed,
    cast(coalesce(measures.call_duration_seconds, 0) as {{ dbt.type_bigint() }}) as call_duration_seconds,
    cast(coalesce(measures.meetings_held, 0) as {{ dbt.type_bigint() }}) as meetings_held,
    cast(coalesce(measures.emails_sent, 0) as {{ dbt.type_bigint() }}) as emails_sent,
    cast(coalesce(measures.emails_received, 0) as {{ dbt.type_bigint() }}) as emails_received,
    cast(coalesce(measures.tasks_created, 0) as {{ dbt.type_bigint() }}) as tasks_created,
    cast(coalesce(measures.tasks_completed, 0) as {{ dbt.type_bigint() }}) as tasks_completed,
    cast(coalesce(measures.tasks_completed_on_time, 0) as {{ dbt.type_bigint() }}) as tasks_completed_on_time,
    cast(coalesce(measures.tasks_overdue, 0) as {{ dbt.type_bigint() }}) as tasks_overdue,
    cast(coalesce(measures.notes_created, 0) as {{ dbt.type_bigint() }}) as notes_created,
    measures.first_activity_at,
    measures.last_activity_at
from spine
left join measures
    on
        spine.account_key = measures.account_key
        and spine.manager_id = measures.manager_id
        and spine.activity_date = measures.activity_date
