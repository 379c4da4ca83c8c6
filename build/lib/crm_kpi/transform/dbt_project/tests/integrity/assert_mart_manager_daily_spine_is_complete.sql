{{ config(meta={'dagster': {'ref': {'name': 'mart_manager_daily'}}}) }}
-- Integrity: the daily spine is complete. Within an account every manager's rows start on the
-- account's first day and are contiguous (rows == days from the first to the manager's last
-- day); active managers run to the account's last day.
with per_manager as (

    select
        daily.account_key,
        daily.manager_id,
        coalesce(managers.is_active, false) as is_active,
        count(*) as n_rows,
        min(daily.activity_date) as first_date,
        max(daily.activity_date) as last_date
    from {{ ref('mart_manager_daily') }} as daily
    left join {{ ref('dim_managers') }} as managers
        on
            daily.account_key = managers.account_key
            and daily.manager_id = managers.manager_id
    group by daily.account_key, daily.manager_id, coalesce(managers.is_active, false)

),

per_account as (

    select
        account_key,
        min(first_date) as first_date,
        max(last_date) as last_date
    from per_manager
    group by account_key

)

select per_manager.*
from per_manager
inner join per_account
    on per_manager.account_key = per_account.account_key
where
    per_manager.first_date <> per_account.first_date
    or (per_manager.is_active and per_manager.last_date <> per_account.last_date)
    or per_manager.n_rows
    <> {{ dbt.datediff('per_manager.first_date', 'per_manager.last_date', 'day') }} + 1
