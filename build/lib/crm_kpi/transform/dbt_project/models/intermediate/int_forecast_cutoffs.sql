{#
    The dates a forecast or a deal score is made "as of", per account: the first day of every
    complete month after the first month of data (the backtest of the revenue forecast and
    the training snapshots of the win model) and the data horizon (today's forecast and
    scores). Only data with a local date before `known_before` may be used at a cutoff.
#}
with accounts as (

    select
        account_key,
        as_of,
        as_of_date,
        {{ period_start('month', 'as_of_date') }} as horizon_month
    from {{ ref('int_accounts') }}
    where as_of_date is not null

),

first_months as (

    select
        account_key,
        min({{ period_start('month', 'created_date') }}) as first_month
    from {{ ref('fct_deals') }}
    where not is_deleted
    group by account_key

),

month_numbers as (

    {{ integers(3) }}

),

month_cutoffs as (

    select
        accounts.account_key,
        'month_start' as cutoff_kind,
        cast({{ dbt.dateadd('month', 'month_numbers.n', 'first_months.first_month') }} as date) as as_of_date,
        accounts.horizon_month
    from accounts
    inner join first_months
        on accounts.account_key = first_months.account_key
    inner join month_numbers
        on
            month_numbers.n >= 1
            and month_numbers.n < {{ dbt.datediff('first_months.first_month', 'accounts.horizon_month', 'month') }}

),

cutoffs as (

    select
        account_key,
        cutoff_kind,
        as_of_date,
        as_of_date as known_before,
        as_of_date as forecast_month,
        horizon_month
    from month_cutoffs

    union all

    select
        account_key,
        'horizon' as cutoff_kind,
        as_of_date,
        {{ add_days('as_of_date', 1) }} as known_before,
        horizon_month as forecast_month,
        horizon_month
    from accounts

)

select
    account_key,
    cutoff_kind,
    cast(as_of_date as date) as as_of_date,
    cast(known_before as date) as known_before,
    cast(forecast_month as date) as forecast_month,
    cast(horizon_month as date) as horizon_month,
    cutoff_kind = 'horizon' as is_horizon
from cutoffs
