-- Integrity: dim_dates has no gap (one row per day between its first and last day) and its
-- weeks start on Monday.
with bounds as (

    select
        count(*) as n_rows,
        min(date_day) as first_day,
        max(date_day) as last_day
    from {{ ref('dim_dates') }}

),

gaps as (

    select 'gap' as problem
    from bounds
    where
        bounds.n_rows > 0
        and bounds.n_rows
        <> {{ dbt.datediff('bounds.first_day', 'bounds.last_day', 'day') }} + 1

),

bad_weeks as (

    select 'week_start is not a Monday' as problem
    from {{ ref('dim_dates') }}
    where extract(isodow from week_start) <> 1

)

select problem from gaps
union all
select problem from bad_weeks
