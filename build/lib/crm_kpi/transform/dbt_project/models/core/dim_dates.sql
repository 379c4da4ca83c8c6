{#
    Calendar: every day of every calendar year that holds data (from 1 January of the year of
    the earliest local date in the facts or data horizons to 31 December of the year of the
    latest one).
#}
with fact_dates as (

    select created_date as fact_date from {{ ref('fct_deals') }}
    union all
    select closed_date as fact_date from {{ ref('fct_deals') }}
    union all
    select occurred_date as fact_date from {{ ref('fct_activities') }}
    union all
    select due_date as fact_date from {{ ref('fct_activities') }}
    union all
    select completed_date as fact_date from {{ ref('fct_activities') }}
    union all
    select as_of_date as fact_date from {{ ref('int_accounts') }}

),

bounds as (

    select
        {{ period_start('year', 'min(fact_date)') }} as first_day,
        {{ period_start('year', 'max(fact_date)') }} as last_year_start
    from fact_dates
    where fact_date is not null

),

day_numbers as (

    {{ integers(5) }}

),

days as (

    select {{ add_days('bounds.first_day', 'day_numbers.n') }} as date_day
    from bounds
    inner join day_numbers
        on
            day_numbers.n
            < {{ dbt.datediff('bounds.first_day', dbt.dateadd('year', 1, 'bounds.last_year_start'), 'day') }}

)

select
    date_day,
    {{ period_start('week', 'date_day') }} as week_start,
    {{ period_start('month', 'date_day') }} as month_start,
    {{ period_start('quarter', 'date_day') }} as quarter_start,
    cast(extract(year from date_day) as {{ dbt.type_int() }}) as year,
    cast(extract(month from date_day) as {{ dbt.type_int() }}) as month,
    cast(extract(isodow from date_day) as {{ dbt.type_int() }}) as iso_day_of_week,
    extract(isodow from date_day) in (6, 7) as is_weekend
from days
